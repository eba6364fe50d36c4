package bench

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// AA STATUS as a client reads it. The replication benchmark takes its byte
// and delta counts from here rather than from inside the server, so what
// it reports is what an operator can check on a running region; the demo
// prints the same figures.

// AAStatus is the part of an AA STATUS reply the benchmark and the demo use.
type AAStatus struct {
	Region      string `json:"region"`
	RegionID    int64  `json:"region_id"`
	Compression string `json:"compression"`
	// BacklogBytes is the memory this region keeps of its recent writes
	// for its peers' partial syncs, all partitions together.
	BacklogBytes int64          `json:"backlog_bytes"`
	Peers        []PeerCounters `json:"peers"`
}

// PeerCounters is one peer's entry of AA STATUS. The *In figures describe
// this region pulling the peer's writes, the *Out figures the peer pulling
// ours. Bytes are delta and state frames as sent (BytesOut, compressed) and
// the records inside them before compression (BytesOutRaw); beats are not
// counted.
type PeerCounters struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	State              string `json:"state"`
	LagOpsIn           int64  `json:"lag_ops_in"`
	LagOpsOut          int64  `json:"lag_ops_out"`
	LagMs              int64  `json:"lag_ms"`
	BytesIn            int64  `json:"bytes_in"`
	BytesInRaw         int64  `json:"bytes_in_raw"`
	BytesOut           int64  `json:"bytes_out"`
	BytesOutRaw        int64  `json:"bytes_out_raw"`
	DeltasIn           int64  `json:"deltas_in"`
	DeltasOut          int64  `json:"deltas_out"`
	PartialSyncs       int64  `json:"partial_syncs"`
	FullSyncs          int64  `json:"full_syncs"`
	ServedPartialSyncs int64  `json:"served_partial_syncs"`
	ServedFullSyncs    int64  `json:"served_full_syncs"`
	KeysInFullSync     int64  `json:"keys_in_full_sync"`
	KeysOutFullSync    int64  `json:"keys_out_full_sync"`
	LastError          string `json:"last_error,omitempty"`
}

// Peer returns the entry of the peer called name, or nil.
func (s AAStatus) Peer(name string) *PeerCounters {
	for i := range s.Peers {
		if s.Peers[i].Name == name {
			return &s.Peers[i]
		}
	}
	return nil
}

// ReadAAStatus sends AA STATUS on c and parses the reply.
func ReadAAStatus(ctx context.Context, c *redis.Client) (AAStatus, error) {
	v, err := c.Do(ctx, "AA", "STATUS").Result()
	if err != nil {
		return AAStatus{}, fmt.Errorf("AA STATUS: %w", err)
	}
	return ParseAAStatus(v)
}

// ParseAAStatus reads an AA STATUS reply as go-redis returns it: a map
// (RESP3) or a flat key, value, ... array (RESP2), with the peers as an
// array of the same shapes. Unknown fields are ignored, so the server may
// add figures without breaking older tools.
func ParseAAStatus(v any) (AAStatus, error) {
	top, err := replyMap(v)
	if err != nil {
		return AAStatus{}, fmt.Errorf("AA STATUS: %w", err)
	}
	s := AAStatus{Region: replyString(top["region"]), RegionID: replyInt(top["region_id"]),
		Compression: replyString(top["compression"]), BacklogBytes: replyInt(top["backlog_bytes"])}
	peers, ok := top["peers"].([]any)
	if !ok && top["peers"] != nil {
		return s, fmt.Errorf("AA STATUS: peers is %T, not an array", top["peers"])
	}
	for i, pv := range peers {
		m, err := replyMap(pv)
		if err != nil {
			return s, fmt.Errorf("AA STATUS: peer %d: %w", i, err)
		}
		s.Peers = append(s.Peers, PeerCounters{
			ID: replyInt(m["id"]), Name: replyString(m["name"]), State: replyString(m["state"]),
			LagOpsIn: replyInt(m["lag_ops_in"]), LagOpsOut: replyInt(m["lag_ops_out"]), LagMs: replyInt(m["lag_ms"]),
			BytesIn: replyInt(m["bytes_in"]), BytesInRaw: replyInt(m["bytes_in_raw"]),
			BytesOut: replyInt(m["bytes_out"]), BytesOutRaw: replyInt(m["bytes_out_raw"]),
			DeltasIn: replyInt(m["deltas_in"]), DeltasOut: replyInt(m["deltas_out"]),
			PartialSyncs: replyInt(m["partial_syncs"]), FullSyncs: replyInt(m["full_syncs"]),
			ServedPartialSyncs: replyInt(m["served_partial_syncs"]), ServedFullSyncs: replyInt(m["served_full_syncs"]),
			KeysInFullSync: replyInt(m["keys_in_full_sync"]), KeysOutFullSync: replyInt(m["keys_out_full_sync"]),
			LastError: replyString(m["last_error"]),
		})
	}
	return s, nil
}

// replyMap turns a RESP3 map or a RESP2 flat array into a map keyed by
// the field names.
func replyMap(v any) (map[string]any, error) {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[replyString(k)] = x
		}
		return m, nil
	case map[string]any:
		return t, nil
	case []any:
		if len(t)%2 != 0 {
			return nil, fmt.Errorf("odd-length field list (%d)", len(t))
		}
		m := make(map[string]any, len(t)/2)
		for i := 0; i < len(t); i += 2 {
			m[replyString(t[i])] = t[i+1]
		}
		return m, nil
	}
	return nil, fmt.Errorf("reply is %T, not a map", v)
}

func replyString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// replyInt reads an integer field; a missing or malformed one reads as 0,
// which shows up in a report as an implausible figure rather than aborting
// a run that took minutes.
func replyInt(v any) int64 {
	switch t := v.(type) {
	case int64:
		return t
	case int:
		return int64(t)
	case string:
		n, _ := strconv.ParseInt(t, 10, 64)
		return n
	}
	return 0
}
