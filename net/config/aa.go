package config

import (
	"errors"
	"strconv"
	"strings"
)

// The active-active parameters' syntax. The replication layer parses the
// same words again into its own types; the checks here make a bad value fail
// at startup with the parameter's name, like every other parameter.

// MaxReplicaID is the largest replica id (a version vector names at most 64
// regions).
const MaxReplicaID = 63

// AAMember is one region as written in aa-region ("ID:NAME") and aa-peer
// ("ID:NAME@HOST:PORT").
type AAMember struct {
	ID   int
	Name string
	Addr string // host:port of the region's RESP port; "" for aa-region
}

// String writes m back in its parameter syntax.
func (m AAMember) String() string {
	s := strconv.Itoa(m.ID) + ":" + m.Name
	if m.Addr != "" {
		s += "@" + m.Addr
	}
	return s
}

// ParseAARegion parses "ID:NAME".
func ParseAARegion(s string) (AAMember, error) {
	id, name, ok := strings.Cut(s, ":")
	if !ok {
		return AAMember{}, errors.New("region must be ID:NAME")
	}
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 || n > MaxReplicaID || strconv.Itoa(n) != id {
		return AAMember{}, errors.New("region id must be an integer between 0 and 63")
	}
	if !validName(name) {
		return AAMember{}, errors.New("region name must be 1-64 letters, digits, '-', '_' or '.'")
	}
	return AAMember{ID: n, Name: name}, nil
}

// ParseAAPeer parses "ID:NAME@HOST:PORT".
func ParseAAPeer(s string) (AAMember, error) {
	region, addr, ok := strings.Cut(s, "@")
	if !ok {
		return AAMember{}, errors.New("peer must be ID:NAME@HOST:PORT")
	}
	m, err := ParseAARegion(region)
	if err != nil {
		return AAMember{}, err
	}
	i := strings.LastIndexByte(addr, ':')
	if i <= 0 {
		return AAMember{}, errors.New("peer address must be HOST:PORT")
	}
	if p, err := strconv.Atoi(addr[i+1:]); err != nil || p < 1 || p > 65535 {
		return AAMember{}, errors.New("peer port must be between 1 and 65535")
	}
	m.Addr = addr
	return m, nil
}

// ParseAAPeers parses aa-peer's value: peers separated by spaces. Two peers
// with one id, or a peer with the region's own id, are refused by the
// caller, who knows the region.
func ParseAAPeers(s string) ([]AAMember, error) {
	var out []AAMember
	for _, f := range strings.Fields(s) {
		m, err := ParseAAPeer(f)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if o.ID == m.ID {
				return nil, errors.New("two peers have id " + strconv.Itoa(m.ID))
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validAADatabase(s string) error {
	if s != "" && !validName(s) {
		return errors.New("database name must be 1-64 letters, digits, '-', '_' or '.'")
	}
	return nil
}

func validAARegion(s string) error {
	if s == "" {
		return nil
	}
	_, err := ParseAARegion(s)
	return err
}

func normAAPeers(_ *param, _, v string) (string, error) {
	ms, err := ParseAAPeers(v)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, " "), nil
}

// validAACompression accepts none, s2, zstd and zstd:LEVEL (1-22; the
// replication layer maps the level onto the encoder's).
func validAACompression(s string) error {
	switch {
	case s == "none" || s == "s2" || s == "zstd":
		return nil
	case strings.HasPrefix(s, "zstd:"):
		if n, err := strconv.Atoi(s[5:]); err == nil && n >= 1 && n <= 22 {
			return nil
		}
	}
	return errors.New("compression must be none, s2, zstd or zstd:LEVEL (1-22)")
}

// CheckAATLS checks the aa-tls-* parameters together. A TLS port needs all
// three files; the files without a port are refused too, since the links
// would then run in clear while their owner believes them secured.
func CheckAATLS(port int64, certFile, keyFile, caFile string) error {
	var missing, set []string
	for _, f := range [][2]string{{"aa-tls-cert-file", certFile}, {"aa-tls-key-file", keyFile}, {"aa-tls-ca-cert-file", caFile}} {
		if f[1] == "" {
			missing = append(missing, "--"+f[0])
		} else {
			set = append(set, "--"+f[0])
		}
	}
	switch {
	case port > 0 && len(missing) > 0:
		return errors.New("--aa-tls-port needs " + strings.Join(missing, ", "))
	case port == 0 && len(set) > 0:
		return errors.New(strings.Join(set, ", ") + " set without --aa-tls-port")
	}
	return nil
}
