package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

const (
	sessionCookie = "surveyor_session"
	signInCookie  = "surveyor_signin"
)

// Session is a signed-in person: the access key they signed in with, its account, and the
// region they look at.
type Session struct {
	id          string // SHA-256 (hex) of the cookie's token: the console_sessions key
	AccessKeyID string
	AccountID   string
	Region      string
	csrf        string
	ExpiresAt   time.Time
}

// CSRF is the token every form of the session carries.
func (s *Session) CSRF() string { return s.csrf }

func (s *Session) checkCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}

// callerContext is ctx as a façade sees a signed request of the session's key and region, so a
// façade called from the console scopes everything exactly as it does for the API.
func (s *Session) callerContext(ctx context.Context) context.Context {
	return awsapi.WithCaller(ctx, awsapi.Caller{AccountID: s.AccountID, AccessKeyID: s.AccessKeyID, Region: s.Region})
}

// Scope is the account and region the session works in.
func (s *Session) Scope() scope.Scope { return scope.Scope{Account: s.AccountID, Region: s.Region} }

func (c *Console) mac(parts ...string) string {
	m := hmac.New(sha256.New, c.cfg.SessionKey)
	for _, p := range parts {
		m.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("console: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// session returns the request's session, or nil when it has none that is valid: no cookie, a
// cookie whose signature or expiry is wrong, a session signed out or expired, or an access key
// that no longer exists.
func (c *Console) session(r *http.Request) (*Session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	token, expText, sig, ok := splitCookie(ck.Value)
	if !ok || !hmac.Equal([]byte(sig), []byte(c.mac("session", token, expText))) {
		return nil, nil
	}
	exp, err := strconv.ParseInt(expText, 10, 64)
	now := c.cfg.Now()
	if err != nil || now.UnixMilli() >= exp {
		return nil, nil
	}
	ctx := r.Context()
	s := &Session{id: hashToken(token)}
	var expires int64
	err = c.cfg.DB.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT access_key_id, account_id, region, csrf, expires_at FROM console_sessions
			WHERE id = ? AND expires_at > ?`, s.id, now.UnixMilli()).Scan(&s.AccessKeyID, &s.AccountID, &s.Region, &s.csrf, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	key, err := c.cfg.Keys.LookupKey(ctx, s.AccessKeyID)
	if errors.Is(err, awsapi.ErrUnknownKey) || (err == nil && key.AccountID != s.AccountID) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check the session's key: %w", err)
	}
	s.ExpiresAt = time.UnixMilli(expires).UTC()
	return s, nil
}

// splitCookie reads token.expiry.signature.
func splitCookie(v string) (token, exp, sig string, ok bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func (c *Console) cookie(r *http.Request, name, value string, expires time.Time) *http.Cookie {
	ck := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	if value == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
	}
	return ck
}

// signInView is the data of the sign-in page.
type signInView struct {
	CSRF  string
	Next  string
	KeyID string
	Error string
}

// signInPage shows the sign-in form, with a token bound to a cookie of this browser so that no
// other site can post it.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	s, err := c.session(r)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if s != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, signInView{Next: next}, r.URL.Query().Get("flash"))
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, d signInView, flash string) {
	nonce := ""
	if ck, err := r.Cookie(signInCookie); err == nil && len(ck.Value) == 43 {
		nonce = ck.Value
	} else {
		nonce = randomToken()
	}
	http.SetCookie(w, c.cookie(r, signInCookie, nonce, c.cfg.Now().Add(time.Hour)))
	d.CSRF = c.mac("signin", nonce)
	c.render(w, r, status, "signin", &view{Page: "signin", Title: "Sign in", Flash: flash, D: d})
}

// signIn checks an access key id and secret access key of this server and starts a session.
// Wrong keys get one plain message, after a delay, whatever was wrong; nothing about the keys
// is logged.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.renderError(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ck, err := r.Cookie(signInCookie)
	if err != nil || !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(c.mac("signin", ck.Value))) {
		c.renderError(w, r, nil, http.StatusForbidden, "This sign-in form carries no valid security token, so it was refused. Reload the page and try again.")
		return
	}
	id := strings.TrimSpace(r.PostForm.Get("access_key_id"))
	secret := strings.TrimSpace(r.PostForm.Get("secret_access_key"))
	next := safeNext(r.PostForm.Get("next"))
	key, ok, err := c.checkKey(r.Context(), id, secret)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if !ok {
		c.cfg.Logger.Info("console sign-in refused", "remote", r.RemoteAddr)
		c.delay(r.Context())
		c.renderSignIn(w, r, http.StatusUnauthorized, signInView{Next: next, KeyID: id,
			Error: "These keys are not valid for this server. Use the access key ID and secret access key that `surveyor env` prints."}, "")
		return
	}
	token, err := c.startSession(r.Context(), key)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	expires := c.cfg.Now().Add(c.cfg.SessionTTL)
	exp := strconv.FormatInt(expires.UnixMilli(), 10)
	http.SetCookie(w, c.cookie(r, sessionCookie, token+"."+exp+"."+c.mac("session", token, exp), expires))
	http.SetCookie(w, c.cookie(r, signInCookie, "", time.Time{}))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkKey reports whether id and secret are an access key of this server, comparing the secret
// in constant time.
func (c *Console) checkKey(ctx context.Context, id, secret string) (awsapi.Key, bool, error) {
	if id == "" || secret == "" || len(id) > 128 || len(secret) > 128 {
		return awsapi.Key{}, false, nil
	}
	key, err := c.cfg.Keys.LookupKey(ctx, id)
	if errors.Is(err, awsapi.ErrUnknownKey) {
		return awsapi.Key{}, false, nil
	}
	if err != nil {
		return awsapi.Key{}, false, fmt.Errorf("look up an access key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(key.SecretAccessKey)) != 1 {
		return awsapi.Key{}, false, nil
	}
	return key, true, nil
}

func (c *Console) delay(ctx context.Context) {
	if c.cfg.SignInDelay <= 0 {
		return
	}
	t := time.NewTimer(c.cfg.SignInDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// startSession stores a new session of key and returns its cookie token. Expired sessions are
// deleted on the way.
func (c *Console) startSession(ctx context.Context, key awsapi.Key) (string, error) {
	token, now := randomToken(), c.cfg.Now()
	err := c.cfg.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO console_sessions (id, access_key_id, account_id, region, csrf, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hashToken(token), key.AccessKeyID, key.AccountID, c.cfg.Region, randomToken(),
			now.UnixMilli(), now.Add(c.cfg.SessionTTL).UnixMilli())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start a session: %w", err)
	}
	return token, nil
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	err := c.cfg.DB.Tx(r.Context(), func(tx *store.Tx) error {
		_, err := tx.Exec(r.Context(), `DELETE FROM console_sessions WHERE id = ?`, s.id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("end a session: %w", err)
	}
	http.SetCookie(w, c.cookie(r, sessionCookie, "", time.Time{}))
	http.Redirect(w, r, "/console/signin?flash="+url.QueryEscape("You are signed out."), http.StatusSeeOther)
	return nil, nil
}

func (c *Console) setRegion(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	region := r.PostForm.Get("region")
	if !slices.Contains(c.cfg.Regions, region) {
		return nil, badRequest("Region %q is not one this server answers for.", region)
	}
	err := c.cfg.DB.Tx(r.Context(), func(tx *store.Tx) error {
		_, err := tx.Exec(r.Context(), `UPDATE console_sessions SET region = ? WHERE id = ?`, region, s.id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set the session's region: %w", err)
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("back")), http.StatusSeeOther)
	return nil, nil
}

// safeNext keeps a return path only when it stays inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
