package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Client-secret rotation (added 2026-01-30; AddUserPoolClientSecret,
// DeleteUserPoolClientSecret and ListUserPoolClientSecrets in the API
// reference): up to two
// active secrets; the last one cannot be deleted. IDs are
// "<client-id>--<epoch-create-time>" (milliseconds here, so two secrets made
// in the same second stay distinct).

type secretDescJSON struct {
	ClientSecretId         string      `json:"ClientSecretId"`
	ClientSecretValue      string      `json:"ClientSecretValue,omitempty"`
	ClientSecretCreateDate json.Number `json:"ClientSecretCreateDate"`
}

func secretID(clientID string, created int64) string {
	return fmt.Sprintf("%s--%d", clientID, created)
}

// secrets lists the client's secrets, primary first; e.mu held.
func (c *client) secrets() []secretEntry {
	if c.secret == "" {
		return nil
	}
	out := []secretEntry{{value: c.secret, created: c.secretCreated}}
	if c.extra != nil {
		out = append(out, *c.extra)
	}
	return out
}

func (e *Emulator) addUserPoolClientSecret(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		UserPoolId, ClientId string
		ClientSecret         *string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	value := ""
	if req.ClientSecret != nil {
		if aerr := checkClientSecret(*req.ClientSecret); aerr != nil {
			return nil, aerr
		}
		value = *req.ClientSecret
	} else {
		value = e.newSecret()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, c, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	if len(c.secrets()) >= 2 {
		return nil, errf("LimitExceededException", "App client %s already has the maximum of 2 client secrets.", req.ClientId)
	}
	nc := *c
	now := max(e.nowMS(), c.secretCreated+1)
	if nc.secret == "" {
		nc.secret, nc.secretCreated = value, now
	} else {
		nc.extra = &secretEntry{value: value, created: now}
	}
	p.clients[req.ClientId] = &nc
	return map[string]any{"ClientSecretDescriptor": secretDescJSON{
		ClientSecretId:         secretID(req.ClientId, now),
		ClientSecretValue:      value,
		ClientSecretCreateDate: epoch(now),
	}}, nil
}

func (e *Emulator) deleteUserPoolClientSecret(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId, ClientId, ClientSecretId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, c, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	all := c.secrets()
	idx := -1
	for i, s := range all {
		if secretID(req.ClientId, s.created) == req.ClientSecretId {
			idx = i
		}
	}
	if idx < 0 || !strings.HasPrefix(req.ClientSecretId, req.ClientId+"--") {
		return nil, errf(errNotFound, "Client secret %s does not exist.", req.ClientSecretId)
	}
	if len(all) == 1 {
		return nil, errf(errInvalidParam, "You cannot delete the last remaining secret of an app client.")
	}
	rest := append(append([]secretEntry(nil), all[:idx]...), all[idx+1:]...)
	nc := *c
	nc.secret, nc.secretCreated = rest[0].value, rest[0].created
	nc.extra = nil
	if len(rest) > 1 {
		nc.extra = &rest[1]
	}
	p.clients[req.ClientId] = &nc
	return struct{}{}, nil
}

func (e *Emulator) listUserPoolClientSecrets(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId, ClientId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, c, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	out := []secretDescJSON{}
	for _, s := range c.secrets() {
		// Never reveals the value (model doc).
		out = append(out, secretDescJSON{ClientSecretId: secretID(req.ClientId, s.created), ClientSecretCreateDate: epoch(s.created)})
	}
	return map[string]any{"ClientSecrets": out}, nil
}
