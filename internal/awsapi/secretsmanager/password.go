package secretsmanager

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// GetRandomPasswordInput is the GetRandomPassword request.
type GetRandomPasswordInput struct {
	PasswordLength          *int64 `aws:"range=1:4096"`
	ExcludeCharacters       string `aws:"len=0:4096"`
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
}

// GetRandomPasswordOutput is the GetRandomPassword response.
type GetRandomPasswordOutput struct {
	RandomPassword string
}

// The character types of GetRandomPassword, as AWS documents them.
const (
	lowercase   = "abcdefghijklmnopqrstuvwxyz"
	uppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits      = "0123456789"
	punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// GetRandomPassword generates a password of PasswordLength (default 32) characters drawn
// uniformly from the included types less ExcludeCharacters; with RequireEachIncludedType
// (the default) it holds at least one character of every included type.
func (f *Facade) GetRandomPassword(_ context.Context, in *GetRandomPasswordInput) (*GetRandomPasswordOutput, error) {
	var types []string
	for _, t := range []struct {
		chars    string
		included bool
	}{
		{lowercase, !in.ExcludeLowercase}, {uppercase, !in.ExcludeUppercase}, {digits, !in.ExcludeNumbers},
		{punctuation, !in.ExcludePunctuation}, {" ", in.IncludeSpace},
	} {
		if !t.included {
			continue
		}
		// A type whose every character is excluded is not included.
		if left := strings.Map(func(r rune) rune {
			if strings.ContainsRune(in.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, t.chars); left != "" {
			types = append(types, left)
		}
	}
	if len(types) == 0 {
		return nil, invalid("The password can't be generated because all character types are excluded.")
	}
	length := int(deref64(in.PasswordLength, 32))
	require := in.RequireEachIncludedType == nil || *in.RequireEachIncludedType
	if require && length < len(types) {
		return nil, invalid("Password length is too short based on the required types.")
	}
	pw, err := randomPassword(f.random(), types, length, require)
	if err != nil {
		return nil, err
	}
	return &GetRandomPasswordOutput{RandomPassword: pw}, nil
}

// randomPassword draws length characters from the union of types; with require, the first
// len(types) draws take one of each type, and the result is shuffled.
func randomPassword(rnd io.Reader, types []string, length int, require bool) (string, error) {
	all := strings.Join(types, "")
	out := make([]byte, 0, length)
	pick := func(set string) error {
		i, err := rand.Int(rnd, big.NewInt(int64(len(set))))
		if err != nil {
			return fmt.Errorf("random password: %w", err)
		}
		out = append(out, set[i.Int64()])
		return nil
	}
	for i := 0; i < length; i++ {
		set := all
		if require && i < len(types) {
			set = types[i]
		}
		if err := pick(set); err != nil {
			return "", err
		}
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher–Yates, so required characters sit anywhere
		j, err := rand.Int(rnd, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("random password: %w", err)
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func (f *Facade) random() io.Reader {
	if f.Random != nil {
		return f.Random
	}
	return rand.Reader
}
