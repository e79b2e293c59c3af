package awsapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// Session describes temporary credentials issued by STS (GetSessionToken, AssumeRole). A Key
// with a Session is accepted only from a request that carries its session token in
// X-Amz-Security-Token (signed), and only until it expires.
type Session struct {
	TokenSHA256 string    // hex SHA-256 of the session token
	Expires     time.Time // requests are refused from this instant on
	ParentKeyID string    // the long-term access key the credentials were made from
	RoleARN     string    // the assumed role; "" for GetSessionToken credentials
	SessionName string    // RoleSessionName of an assumed role
}

// SessionRequest is what STS asks a SessionIssuer for.
type SessionRequest struct {
	AccountID   string
	ParentKeyID string
	RoleARN     string // "" for GetSessionToken
	SessionName string
	Expires     time.Time
}

// SessionIssuer makes and stores temporary credentials (the access key store implements it).
// It returns the new key (AccessKeyID "ASIA…") and its session token.
type SessionIssuer interface {
	IssueSession(ctx context.Context, req SessionRequest) (key Key, token string, err error)
}

// TokenHash is the hex SHA-256 of a session token, as Session.TokenSHA256 keeps it.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CodeExpiredToken is the error of a request signed with expired temporary credentials (STS
// answers it as ExpiredToken).
const CodeExpiredToken = "ExpiredTokenException"

const msgExpiredToken = "The security token included in the request is expired"

// checkSessionToken checks the X-Amz-Security-Token of a request whose signature verified with
// key: temporary credentials need their own token and must not have expired; long-term keys
// take no token, as on AWS.
func checkSessionToken(r *http.Request, key Key, now time.Time) error {
	token := r.Header.Get("X-Amz-Security-Token")
	if key.Session == nil {
		if token != "" {
			return authError(CodeUnrecognizedClient, "%s", msgUnrecognizedClient)
		}
		return nil
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(TokenHash(token)), []byte(key.Session.TokenSHA256)) != 1 {
		return authError(CodeUnrecognizedClient, "%s", msgUnrecognizedClient)
	}
	if !now.Before(key.Session.Expires) {
		return authError(CodeExpiredToken, "%s", msgExpiredToken)
	}
	return nil
}
