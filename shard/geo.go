package shard

import (
	"math"

	"github.com/meridiandb/meridian/core"
)

// GEO: points stored in a sorted set whose score is Redis's 52-bit
// geohash (26 bits of longitude and 26 of latitude, interleaved), so GEOADD
// is a ZADD, replicated like any score, and a radius or box search is a
// handful of score-range scans. The arithmetic below follows Redis's
// geohash.c, geohash_helper.c and geo.c operation for operation, so the
// same points are found, in the same order, with the same coordinates and
// distances (Go's sin/cos may differ from the C library's in the last bit,
// which the printed 4 decimals of a distance do not show).

// Limits of the coordinates Redis accepts (EPSG:900913), its earth radius
// and the Mercator extent its search-step estimate uses.
const (
	GeoLonMin   = -180.0
	GeoLonMax   = 180.0
	GeoLatMin   = -85.05112878
	GeoLatMax   = 85.05112878
	geoStepMax  = 26
	earthRadius = 6372797.560856
	mercatorMax = 20037726.37
)

// degToRad is C's M_PI / 180.0: the double pi divided in double precision
// (a Go constant expression would divide exactly and round once, which can
// differ in the last bit).
var degToRad = pi / 180.0

var pi = math.Pi

// geoBits is a geohash cell: bits interleaved at a precision of step bits
// per coordinate. A zero cell (bits and step 0) is "no cell".
type geoBits struct {
	bits uint64
	step uint8
}

func (h geoBits) isZero() bool { return h.bits == 0 && h.step == 0 }

// geoArea is a cell's extent.
type geoArea struct {
	latMin, latMax, lonMin, lonMax float64
}

// interleave64 spreads lat over the even bits and lon over the odd ones.
func interleave64(lat, lon uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(lat), uint64(lon)
	for i := 4; i >= 0; i-- {
		x = (x | (x << s[i])) & b[i]
		y = (y | (y << s[i])) & b[i]
	}
	return x | (y << 1)
}

// deinterleave64 undoes interleave64: lat in the low 32 bits, lon in the
// high ones.
func deinterleave64(v uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := v, v>>1
	for i := 0; i < 6; i++ {
		x = (x | (x >> s[i])) & b[i]
		y = (y | (y >> s[i])) & b[i]
	}
	return x | (y << 32)
}

// geoEncode is geohashEncode over the given latitude range (longitude
// always spans -180..180).
func geoEncode(latMin, latMax, lon, lat float64, step uint8) (geoBits, bool) {
	if step == 0 || step > 32 || lon > GeoLonMax || lon < GeoLonMin || lat > GeoLatMax || lat < GeoLatMin {
		return geoBits{}, false
	}
	if lat < latMin || lat > latMax {
		return geoBits{}, false
	}
	latOff := (lat - latMin) / (latMax - latMin)
	lonOff := (lon - GeoLonMin) / (GeoLonMax - GeoLonMin)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	return geoBits{bits: interleave64(uint32(latOff), uint32(lonOff)), step: step}, true
}

// geoDecode is geohashDecode over Redis's ranges.
func geoDecode(h geoBits) geoArea {
	sep := deinterleave64(h.bits)
	latScale := GeoLatMax - GeoLatMin
	lonScale := GeoLonMax - GeoLonMin
	ilat := uint32(sep)
	ilon := uint32(sep >> 32)
	d := float64(uint64(1) << h.step)
	return geoArea{
		latMin: GeoLatMin + (float64(ilat)*1.0/d)*latScale,
		latMax: GeoLatMin + (float64(ilat+1)*1.0/d)*latScale,
		lonMin: GeoLonMin + (float64(ilon)*1.0/d)*lonScale,
		lonMax: GeoLonMin + (float64(ilon+1)*1.0/d)*lonScale,
	}
}

// GeoScore is the sorted-set score of a point (GEOADD): its 52-bit
// geohash. ok is false outside Redis's coordinate limits.
func GeoScore(lon, lat float64) (float64, bool) {
	h, ok := geoEncode(GeoLatMin, GeoLatMax, lon, lat, geoStepMax)
	return float64(h.bits), ok
}

// GeoDecode returns the longitude and latitude a score stands for: the
// centre of its cell, as Redis's decodeGeohash.
func GeoDecode(score float64) (lon, lat float64) {
	var bits uint64
	if score >= 0 && score < 1<<63 {
		bits = uint64(score)
	} else if score < 0 && score >= -(1<<63) {
		bits = uint64(int64(score))
	}
	a := geoDecode(geoBits{bits: bits, step: geoStepMax})
	lon = (a.lonMin + a.lonMax) / 2
	lon = math.Max(GeoLonMin, math.Min(GeoLonMax, lon))
	lat = (a.latMin + a.latMax) / 2
	lat = math.Max(GeoLatMin, math.Min(GeoLatMax, lat))
	return lon, lat
}

// AppendGeoHash appends the standard 11-character geohash of a score
// (GEOHASH): the point re-encoded over latitudes -90..90, base32, the last
// character always '0' as Redis has only 52 bits.
func AppendGeoHash(dst []byte, score float64) []byte {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := GeoDecode(score)
	h, _ := geoEncode(-90, 90, lon, lat, geoStepMax)
	for i := 0; i < 11; i++ {
		idx := 0
		if i < 10 {
			idx = int(h.bits>>(52-uint((i+1)*5))) & 0x1f
		}
		dst = append(dst, alphabet[idx])
	}
	return dst
}

// geoLatDistance is the distance between two latitudes on a meridian.
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// GeoDistance is Redis's haversine distance in meters.
func GeoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := lon1 * degToRad
	lon2r := lon2 * degToRad
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0.0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r := lat1 * degToRad
	lat2r := lat2 * degToRad
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * earthRadius * math.Asin(math.Sqrt(a))
}

// GeoShape is the area of a search: a circle of Radius, or a box of Width
// by Height, around (Lon, Lat); sizes are in the unit whose length in
// meters is Conversion.
type GeoShape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conversion    float64
}

// GeoPoint is a member found by a search, with its distance in meters
// from the shape's centre.
type GeoPoint struct {
	Member   string
	Score    float64
	Lon, Lat float64
	Dist     float64
}

// within is geoWithinShape: whether a point is inside s, and its distance.
func (s *GeoShape) within(lon, lat float64) (float64, bool) {
	if !s.Box {
		d := GeoDistance(s.Lon, s.Lat, lon, lat)
		return d, d <= s.Radius*s.Conversion
	}
	w, h := s.Width*s.Conversion, s.Height*s.Conversion
	if geoLatDistance(lat, s.Lat) > h/2 {
		return 0, false
	}
	if GeoDistance(lon, lat, s.Lon, lat) > w/2 {
		return 0, false
	}
	return GeoDistance(s.Lon, s.Lat, lon, lat), true
}

// geoSteps is geohashEstimateStepsByRadius.
func geoSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	if step < 1 {
		step = 1
	}
	if step > 26 {
		step = 26
	}
	return uint8(step)
}

// geoMoveX and geoMoveY step a cell east/west and north/south.
func geoMoveX(h geoBits, d int) geoBits {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
	return h
}

func geoMoveY(h geoBits, d int) geoBits {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
	return h
}

// geoCells are the cells to scan, in Redis's order: the centre, N, S, E,
// W, NE, NW, SE, SW (zero where excluded).
func geoCells(s *GeoShape) [9]geoBits {
	// geohashBoundingBox
	var height, width float64
	if s.Box {
		height, width = s.Conversion*(s.Height/2), s.Conversion*(s.Width/2)
	} else {
		height, width = s.Conversion*s.Radius, s.Conversion*s.Radius
	}
	latDelta := (height / earthRadius) / degToRad
	lonDeltaTop := (width / earthRadius / math.Cos((s.Lat+latDelta)*degToRad)) / degToRad
	lonDeltaBottom := (width / earthRadius / math.Cos((s.Lat-latDelta)*degToRad)) / degToRad
	var minLon, maxLon float64
	if s.Lat < 0 {
		minLon, maxLon = s.Lon-lonDeltaBottom, s.Lon+lonDeltaBottom
	} else {
		minLon, maxLon = s.Lon-lonDeltaTop, s.Lon+lonDeltaTop
	}
	minLat, maxLat := s.Lat-latDelta, s.Lat+latDelta

	radius := s.Radius
	if s.Box {
		radius = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	}
	radius *= s.Conversion
	steps := geoSteps(radius, s.Lat)

	neighbours := func(h geoBits) [9]geoBits {
		return [9]geoBits{h,
			geoMoveY(h, 1), geoMoveY(h, -1), geoMoveX(h, 1), geoMoveX(h, -1),
			geoMoveY(geoMoveX(h, 1), 1), geoMoveY(geoMoveX(h, -1), 1),
			geoMoveY(geoMoveX(h, 1), -1), geoMoveY(geoMoveX(h, -1), -1)}
	}
	hash, _ := geoEncode(GeoLatMin, GeoLatMax, s.Lon, s.Lat, steps)
	cells := neighbours(hash)
	area := geoDecode(hash)

	// A step estimated too coarse near a cell's edge leaves part of the
	// area outside the 9 cells: one step coarser then.
	north, south := geoDecode(cells[1]), geoDecode(cells[2])
	east, west := geoDecode(cells[3]), geoDecode(cells[4])
	if steps > 1 && (north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon) {
		steps--
		hash, _ = geoEncode(GeoLatMin, GeoLatMax, s.Lon, s.Lat, steps)
		cells = neighbours(hash)
		area = geoDecode(hash)
	}
	// Exclude the cells the area cannot reach.
	if steps >= 2 {
		if area.latMin < minLat {
			cells[2], cells[8], cells[7] = geoBits{}, geoBits{}, geoBits{} // S, SW, SE
		}
		if area.latMax > maxLat {
			cells[1], cells[5], cells[6] = geoBits{}, geoBits{}, geoBits{} // N, NE, NW
		}
		if area.lonMin < minLon {
			cells[4], cells[8], cells[6] = geoBits{}, geoBits{}, geoBits{} // W, SW, NW
		}
		if area.lonMax > maxLon {
			cells[3], cells[7], cells[5] = geoBits{}, geoBits{}, geoBits{} // E, SE, NE
		}
	}
	return cells
}

// GeoSearch appends to dst the members of z inside s, in Redis's order of
// discovery (cell by cell, each cell in score order), stopping once limit
// points are found when limit > 0 (COUNT n ANY). Owning shard only.
func GeoSearch(z core.ZSet, s *GeoShape, limit int, dst []GeoPoint) []GeoPoint {
	cells := geoCells(s)
	start := len(dst)
	last := 0
	for i, c := range cells {
		if c.isZero() {
			continue
		}
		// Huge radii make neighbours repeat: skip a cell equal to the one
		// scanned last (never compared with the centre, as in Redis).
		if last != 0 && c == cells[last] {
			continue
		}
		if limit > 0 && len(dst)-start >= limit {
			break
		}
		shift := 52 - uint(c.step)*2
		min := float64(c.bits << shift)
		max := float64((c.bits + 1) << shift)
		lo, hi := z.ScoreRanks(core.ScoreRange{Min: min, Max: max, MaxEx: true})
		if hi > lo {
			z.Ascend(lo, func(it core.ZItem) bool {
				lon, lat := GeoDecode(it.Score)
				if d, ok := s.within(lon, lat); ok {
					dst = append(dst, GeoPoint{Member: it.Member, Score: it.Score, Lon: lon, Lat: lat, Dist: d})
				}
				lo++
				return lo < hi && !(limit > 0 && len(dst)-start >= limit)
			})
		}
		last = i
	}
	return dst
}
