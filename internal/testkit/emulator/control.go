package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// serveControl is the control API for black-box runs (make demo, the
// standalone server); see ServeHTTP for the routes.
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	bad := func(err error) { http.Error(w, err.Error(), http.StatusBadRequest) }
	switch route {
	case "GET /_emulator/health":
		_, _ = io.WriteString(w, "ok\n")
	case "GET /_emulator/calls":
		calls := e.Calls()
		if op := r.URL.Query().Get("op"); op != "" {
			kept := calls[:0]
			for _, c := range calls {
				if c.Op == op {
					kept = append(kept, c)
				}
			}
			calls = kept
		}
		writeJSON(w, calls)
	case "DELETE /_emulator/calls":
		e.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/faults":
		var req struct {
			Op        string `json:"op"`
			N         int    `json:"n"`
			ErrorType string `json:"errorType"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			bad(err)
			return
		}
		if req.Op == "" || (req.N > 0 && req.ErrorType == "") {
			http.Error(w, `want {"op":"...","n":1,"errorType":"..."}`, http.StatusBadRequest)
			return
		}
		e.Fail(req.Op, req.N, req.ErrorType)
		w.WriteHeader(http.StatusNoContent)
	case "DELETE /_emulator/faults":
		e.ctlMu.Lock()
		e.faults = make(map[string][]fault)
		e.ctlMu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/quotas":
		var req struct {
			Enabled bool `json:"enabled"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			bad(err)
			return
		}
		e.SetQuotas(req.Enabled)
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/latency":
		var req struct {
			Latency string `json:"latency"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			bad(err)
			return
		}
		d, err := time.ParseDuration(req.Latency)
		if err != nil {
			bad(err)
			return
		}
		e.SetLatency(d)
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/seed":
		if err := e.Seed(body); err != nil {
			bad(err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/reset":
		e.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
