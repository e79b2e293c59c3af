package appintegrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// An integration's secret material is its frozen run configuration (a discovery.Config: the
// engine, the Secrets Manager secret its runs take credentials from — the database secret
// SECRET-NAME, or the s3/<bucket> secret captured at creation — the path, params, rules and
// columns). It is stored only sealed: AES-256-GCM under the server master key (core.Master),
// with additional data that names the account, the integration and its KmsKey. The key binding
// is that additional data: the material opens only under the KmsKey recorded when it was sealed,
// so an integration whose recorded KmsKey was changed (or whose material was copied onto another
// integration) cannot be run. Surveyor has no KMS service, so the KmsKey is a name that selects a
// key-encryption context under the master key, not a key held elsewhere.

// errCodeAccessDenied is the error a caller gets when the material does not open.
const errCodeAccessDenied = "AccessDeniedException"

// normalizeKmsKey is the key a KmsKey value names, independent of how it was spelled: a key ARN,
// a key id (UUID or mrk-…) is "key/<id>", an alias or alias ARN is "alias/<name>". Two spellings
// of one key bind the same way.
func normalizeKmsKey(key string) string {
	switch {
	case kmsKeyARN.MatchString(key):
		return key[strings.LastIndex(key, ":")+1:]
	case uuidPattern.MatchString(key), mrkKeyID.MatchString(key):
		return "key/" + key
	case kmsAliasARN.MatchString(key):
		return kmsAliasARN.FindStringSubmatch(key)[1]
	}
	return key
}

// MaterialAAD is the additional data an integration's sealed material is bound to:
// "appintegrations/data-integration:v1:<account>:<integration id>:kms:<normalized KmsKey>".
func MaterialAAD(account, integrationID, kmsKey string) []byte {
	return []byte("appintegrations/data-integration:v1:" + account + ":" + integrationID + ":kms:" + normalizeKmsKey(kmsKey))
}

// sealConfig seals an integration's run configuration under its KmsKey.
func sealConfig(master *secrets.Sealer, sc scope.Scope, integrationID, kmsKey string, cfg discovery.Config) (string, error) {
	if master == nil {
		return "", fmt.Errorf("seal data integration %s: no master key", integrationID)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("seal data integration %s: %w", integrationID, err)
	}
	return master.Seal(b, MaterialAAD(sc.Account, integrationID, kmsKey)), nil
}

// openConfig opens an integration's sealed run configuration. When it does not open (the
// recorded KmsKey is not the one it was sealed under, the material was altered, or the master
// key changed) the error is a *sealError saying so, and nothing may be run.
func openConfig(master *secrets.Sealer, sc scope.Scope, d *integration) (discovery.Config, error) {
	var cfg discovery.Config
	if master == nil {
		return cfg, fmt.Errorf("open data integration %s: no master key", d.ID)
	}
	if d.SealedConfig == "" {
		return cfg, &sealError{d.Name, d.KmsKey, "it holds no sealed run configuration"}
	}
	b, err := master.Open(d.SealedConfig, MaterialAAD(sc.Account, d.ID, d.KmsKey))
	if err != nil {
		return cfg, &sealError{d.Name, d.KmsKey, "it was sealed under another key, or altered"}
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("decode run configuration of data integration %s: %w", d.ID, err)
	}
	return cfg, nil
}

// sealError is an integration's sealed material that does not open under its KmsKey.
type sealError struct{ name, kmsKey, why string }

func (e *sealError) Error() string {
	return fmt.Sprintf("The stored secret material of data integration %s cannot be decrypted under its KmsKey %s: %s",
		e.name, trunc(e.kmsKey, 255), e.why)
}

// refused is the API error of a request whose integration's material does not open
// (AccessDeniedException, 403); other errors pass unchanged.
func refused(err error) error {
	var se *sealError
	if errors.As(err, &se) {
		return awsapi.Errorf(http.StatusForbidden, errCodeAccessDenied, "%s. No run was started; recreate the data integration.", se)
	}
	return err
}
