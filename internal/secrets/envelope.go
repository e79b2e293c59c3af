package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeyEnv names the environment variable that may hold the base64 master key.
const MasterKeyEnv = "SURVEYOR_MASTER_KEY"

// MasterKeyFile is the master key's file name in the data directory.
const MasterKeyFile = "master.key"

// ErrDecrypt means a sealed value could not be opened: a wrong master key or tampered data.
var ErrDecrypt = errors.New("cannot decrypt: wrong master key or corrupted data")

// Sealer seals and opens values with AES-256-GCM. A Sealer built from the master key wraps data
// keys; a Sealer built from a data key seals secret values. The additional data binds a sealed
// value to the record it belongs to, so a value copied onto another record does not open.
type Sealer struct {
	aead cipher.AEAD
	// id is a short fingerprint of the key, stored with sealed values, so a wrong key is
	// recognised as such.
	id string
}

// NewSealer makes a Sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("surveyor key id"))
	return &Sealer{aead: aead, id: base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:6])}, nil
}

// KeyID is a short, non-secret fingerprint of the key.
func (s *Sealer) KeyID() string { return s.id }

// Seal encrypts plaintext bound to aad and returns "v1.<keyid>.<base64>".
func (s *Sealer) Seal(plaintext, aad []byte) string {
	ct := s.aead.Seal(nil, nil, plaintext, aad)
	return "v1." + s.id + "." + base64.RawURLEncoding.EncodeToString(ct)
}

// Open decrypts a value made by Seal with the same key and aad.
func (s *Sealer) Open(sealed string, aad []byte) ([]byte, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, ErrDecrypt
	}
	if parts[1] != s.id {
		return nil, fmt.Errorf("%w (sealed with key %s, this key is %s)", ErrDecrypt, parts[1], s.id)
	}
	ct, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, ErrDecrypt
	}
	pt, err := s.aead.Open(nil, nil, ct, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// NewDataKey returns a fresh random 32-byte key.
func NewDataKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("secrets: crypto/rand failed: " + err.Error())
	}
	return k
}

// LoadMasterKey returns the master key from SURVEYOR_MASTER_KEY (base64 of 32 bytes) when env
// holds it, else from dataDir/master.key, which is created with mode 0600 if it does not exist.
// getenv is os.Getenv in production.
func LoadMasterKey(getenv func(string) string, dataDir string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(MasterKeyEnv)); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("%s must be the base64 encoding of 32 bytes (e.g. `openssl rand -base64 32`)", MasterKeyEnv)
		}
		return k, nil
	}
	path := filepath.Join(dataDir, MasterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		k := NewDataKey()
		enc := base64.StdEncoding.EncodeToString(k) + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) { // another process created it first
				return LoadMasterKey(getenv, dataDir)
			}
			return nil, fmt.Errorf("create master key: %w", err)
		}
		if _, err := f.WriteString(enc); err != nil {
			f.Close()
			return nil, fmt.Errorf("write master key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("write master key: %w", err)
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("master key file %s is not the base64 encoding of 32 bytes", path)
	}
	return k, nil
}
