package replication

// The protocol between regions (issue 5). A region pulls each peer's own
// writes: it connects to the peer's RESP port and sends
//
//	AA SYNC <database> <partitions> <protocol> <origin-id> <replica-id> <name> <secret> <positions>
//
// where origin-id is the region it expects to reach, replica-id and name
// are its own, and positions is binary: for every partition, a uvarint,
// the last sequence of the origin's deltas it holds, then one more
// uvarint, the puller's own run base (the first sequence of its current
// run; 0 or absent: unknown). The origin answers
// +OK and the connection carries messages from then on, in both
// directions:
//
//	type  1 byte
//	len   uvarint  (bounded: maxMessage)
//	body  len bytes
//
// Origin to puller: msgDeltas (a codec frame whose records are runs, one
// per partition: [partition uvarint][len uvarint][backlog records]),
// msgSnapBegin and msgSnapEnd around a partition's full sync (partition,
// sequence), msgSnapState (a codec frame whose records are key states:
// [partition][db][key len][key][state len][core.AppendEntryState]),
// msgCaughtUp once the first pass has nothing left to full-sync, msgBeat,
// and msgPublish (a PUBLISH made at the origin, publish.go). Puller to origin: msgBeat only.
//
// A beat carries the sender's wall clock and its received matrix: for
// every member region, per partition, the last sequence of that region's
// deltas the sender holds. From every member's matrix a region computes
// what all have received (causal stability, for tombstones), how far each
// peer is behind (lag) and what AA WAIT waits for.

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// ProtocolVersion is the version AA SYNC names; a peer speaking another is
// refused. Version 2 added the puller's run base after the positions.
const ProtocolVersion = 2

// Message types.
const (
	msgDeltas    = 'D'
	msgSnapBegin = 'B'
	msgSnapState = 'S'
	msgSnapEnd   = 'E'
	msgCaughtUp  = 'C'
	msgBeat      = 'H'
	msgPublish   = 'P' // flags (1: shard channel) | channel len | channel | message
)

// maxMessage bounds a message body: a frame at its limit plus its header.
const maxMessage = DefaultMaxFrameBytes + MaxFrameHeader + 8

// errMessage is wrapped by every malformed-message error.
var errMessage = errors.New("replication: bad message")

// errEarlierRun ends a pulling link that still carries an earlier run of
// its origin after the origin's new run pulled from this region (see
// peer.run).
var errEarlierRun = errors.New("replication: the link carries an earlier run of the origin, which has restarted since and taken this region's data")

// appendMessage appends a message of type t with body.
func appendMessage(dst []byte, t byte, body []byte) []byte {
	dst = append(dst, t)
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	return append(dst, body...)
}

// beginMessage starts a message whose body the caller appends; finish it
// with endMessage. The length is written as a fixed five-byte uvarint so it
// can be filled in afterwards.
func beginMessage(dst []byte, t byte) ([]byte, int) {
	dst = append(dst, t, 0x80, 0x80, 0x80, 0x80, 0)
	return dst, len(dst)
}

func endMessage(dst []byte, start int) []byte {
	n := uint64(len(dst) - start)
	for i := 0; i < 4; i++ {
		dst[start-5+i] = byte(n) | 0x80
		n >>= 7
	}
	dst[start-1] = byte(n)
	return dst
}

// parseMessage splits the first whole message off b: its type, body
// (aliasing b) and size; size 0 with a nil error means more bytes are
// needed.
func parseMessage(b []byte) (t byte, body []byte, size int, err error) {
	if len(b) < 2 {
		return 0, nil, 0, nil
	}
	l, n := binary.Uvarint(b[1:])
	if n == 0 {
		if len(b) > 1+binary.MaxVarintLen64 {
			return 0, nil, 0, fmt.Errorf("%w: length", errMessage)
		}
		return 0, nil, 0, nil
	}
	if n < 0 || l > maxMessage {
		return 0, nil, 0, fmt.Errorf("%w: length %d", errMessage, l)
	}
	end := 1 + n + int(l)
	if len(b) < end {
		return 0, nil, 0, nil
	}
	return b[0], b[1+n : end], end, nil
}

// Matrix is a region's received positions: for each member region, per
// partition, the last sequence of that region's deltas it holds.
type Matrix map[core.ReplicaID]*[shard.NumPartitions]uint64

// appendBeat encodes a beat body.
func appendBeat(dst []byte, wallMs int64, m Matrix) []byte {
	dst = binary.AppendUvarint(dst, uint64(wallMs))
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	for id, row := range m {
		dst = append(dst, byte(id))
		base := ^uint64(0)
		for _, v := range row {
			base = min(base, v)
		}
		// Rows hold clock-based sequences (shard.Config.SeqBase): sending
		// each as an offset from the row's least keeps a beat small.
		dst = binary.AppendUvarint(dst, base)
		for _, v := range row {
			dst = binary.AppendUvarint(dst, v-base)
		}
	}
	return dst
}

// parseBeat decodes a beat body.
func parseBeat(b []byte) (wallMs int64, m Matrix, err error) {
	bad := func(what string) (int64, Matrix, error) {
		return 0, nil, fmt.Errorf("%w: beat %s", errMessage, what)
	}
	w, n := binary.Uvarint(b)
	if n <= 0 {
		return bad("clock")
	}
	b = b[n:]
	cnt, n := binary.Uvarint(b)
	if n <= 0 || cnt > core.MaxReplicas {
		return bad("count")
	}
	b = b[n:]
	m = make(Matrix, cnt)
	for i := uint64(0); i < cnt; i++ {
		if len(b) < 1 || b[0] >= core.MaxReplicas {
			return bad("region")
		}
		id := core.ReplicaID(b[0])
		b = b[1:]
		base, n := binary.Uvarint(b)
		if n <= 0 {
			return bad("row")
		}
		b = b[n:]
		row := new([shard.NumPartitions]uint64)
		for p := range row {
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return bad("row")
			}
			row[p] = base + v
			b = b[n:]
		}
		m[id] = row
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return int64(w), m, nil
}

// appendPositions encodes AA SYNC's positions argument.
func appendPositions(dst []byte, pos *[shard.NumPartitions]uint64) []byte {
	for _, v := range pos {
		dst = binary.AppendUvarint(dst, v)
	}
	return dst
}

// parsePositions decodes AA SYNC's positions argument.
func parsePositions(b []byte) (*[shard.NumPartitions]uint64, error) {
	pos, b, err := splitPositions(b)
	if err != nil {
		return nil, err
	}
	if len(b) != 0 {
		return nil, errors.New("positions have trailing bytes")
	}
	return pos, nil
}

// appendSyncPositions encodes AA SYNC's last argument: the positions and
// the puller's run base.
func appendSyncPositions(dst []byte, pos *[shard.NumPartitions]uint64, base uint64) []byte {
	return binary.AppendUvarint(appendPositions(dst, pos), base)
}

// parseSyncPositions decodes AA SYNC's last argument: the positions and the
// puller's run base, 0 when the puller did not send one.
func parseSyncPositions(b []byte) (*[shard.NumPartitions]uint64, uint64, error) {
	pos, b, err := splitPositions(b)
	if err != nil || len(b) == 0 {
		return pos, 0, err
	}
	base, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, 0, errors.New("the run base after the positions is truncated")
	}
	if n != len(b) {
		return nil, 0, errors.New("positions have trailing bytes")
	}
	return pos, base, nil
}

// splitPositions decodes the per-partition positions at the start of b and
// returns what follows them.
func splitPositions(b []byte) (*[shard.NumPartitions]uint64, []byte, error) {
	pos := new([shard.NumPartitions]uint64)
	for p := range pos {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, nil, errors.New("positions are truncated")
		}
		pos[p] = v
		b = b[n:]
	}
	return pos, b, nil
}

// appendPartSeq encodes the body of msgSnapBegin and msgSnapEnd.
func appendPartSeq(dst []byte, p int, seq uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(p))
	return binary.AppendUvarint(dst, seq)
}

func parsePartSeq(b []byte) (int, uint64, error) {
	p, n := binary.Uvarint(b)
	if n <= 0 || p >= shard.NumPartitions {
		return 0, 0, fmt.Errorf("%w: partition", errMessage)
	}
	seq, m := binary.Uvarint(b[n:])
	if m <= 0 || n+m != len(b) {
		return 0, 0, fmt.Errorf("%w: sequence", errMessage)
	}
	return int(p), seq, nil
}

// uvarint reads one uvarint, reporting failure instead of a count.
func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

// bytesField reads a uvarint length and that many bytes.
func bytesField(b []byte) ([]byte, []byte, bool) {
	l, rest, ok := uvarint(b)
	if !ok || l > uint64(len(rest)) {
		return nil, b, false
	}
	return rest[:l:l], rest[l:], true
}
