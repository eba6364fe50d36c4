package net

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// The GEO family (src/geo.c) on sorted sets: a point is a member whose
// score is its 52-bit geohash (shard/geo.go), so GEOADD is a ZADD and
// replicates as one, and searches scan score ranges. Arguments are parsed
// in Redis's order, interleaved with the key lookups exactly where Redis
// does them (a missing FROMMEMBER is only an error when the key exists).

// Errors of the GEO family.
const (
	errGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoPair        = "ERR invalid longitude,latitude pair %s,%s"
	errGeoMember      = "ERR could not decode requested zset member"
	errGeoRadius      = "ERR need numeric radius"
	errGeoRadiusNeg   = "ERR radius cannot be negative"
	errGeoWidth       = "ERR need numeric width"
	errGeoHeight      = "ERR need numeric height"
	errGeoBoxNeg      = "ERR height or width cannot be negative"
	errGeoCount       = "ERR COUNT must be > 0"
	errGeoAny         = "ERR the ANY argument requires COUNT argument"
	errGeoStoreWith   = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoFromOne     = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
	errGeoByOne       = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
	geoStoreRadiusTag = "STORE option in GEORADIUS"
	geoStoreSearchTag = "GEOSEARCHSTORE"
)

// geoUnit is extractUnitOrReply: meters per unit, or -1 after the error.
func geoUnit(c *Client, u []byte) float64 {
	switch {
	case is(u, "m"):
		return 1
	case is(u, "km"):
		return 1000
	case is(u, "ft"):
		return 0.3048
	case is(u, "mi"):
		return 1609.34
	}
	c.Error(errGeoUnit)
	return -1
}

// cFixed6 formats a coordinate as C's "%f" (so infinities print "inf").
func cFixed6(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoLonLat is extractLongLatOrReply.
func geoLonLat(c *Client, lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = core.ParseScore(lonArg); !ok {
		c.Error(ErrNotFloat)
		return 0, 0, false
	}
	if lat, ok = core.ParseScore(latArg); !ok {
		c.Error(ErrNotFloat)
		return 0, 0, false
	}
	if lon < shard.GeoLonMin || lon > shard.GeoLonMax || lat < shard.GeoLatMin || lat > shard.GeoLatMax {
		c.Error(fmt.Sprintf(errGeoPair, cFixed6(lon), cFixed6(lat)))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoRadiusArg is extractDistanceOrReply: a radius and its unit.
func geoRadiusArg(c *Client, r, unit []byte, s *shard.GeoShape) bool {
	d, ok := core.ParseScore(r)
	if !ok {
		c.Error(errGeoRadius)
		return false
	}
	if d < 0 {
		c.Error(errGeoRadiusNeg)
		return false
	}
	s.Radius, s.Box = d, false
	s.Conversion = geoUnit(c, unit)
	return s.Conversion >= 0
}

// geoBoxArg is extractBoxOrReply: width, height and unit.
func geoBoxArg(c *Client, w, h, unit []byte, s *shard.GeoShape) bool {
	width, ok := core.ParseScore(w)
	if !ok {
		c.Error(errGeoWidth)
		return false
	}
	height, ok := core.ParseScore(h)
	if !ok {
		c.Error(errGeoHeight)
		return false
	}
	if height < 0 || width < 0 {
		c.Error(errGeoBoxNeg)
		return false
	}
	s.Width, s.Height, s.Box = width, height, true
	s.Conversion = geoUnit(c, unit)
	return s.Conversion >= 0
}

// appendGeoCoord is addReplyHumanLongDouble: "%.17Lf" without trailing
// zeros, a bulk string in RESP2 and a double in RESP3.
func appendGeoCoord(c *Client, f float64) {
	var tmp [64]byte
	t := core.DD{Hi: f}.AppendHuman(tmp[:0])
	if c.W.Proto >= 3 {
		c.W.B = append(c.W.B, ',')
		c.W.B = append(c.W.B, t...)
		c.W.B = append(c.W.B, '\r', '\n')
		return
	}
	c.W.AppendBulk(t)
}

// appendGeoDist is addReplyDoubleDistance: a bulk string with 4 decimals
// in both protocols.
func appendGeoDist(c *Client, d float64) {
	var tmp [64]byte
	c.W.AppendBulk(strconv.AppendFloat(tmp[:0], d, 'f', 4, 64))
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: Redis rewrites
// it into a ZADD of the members' geohash scores, with the same options.
func cmdGeoAdd(c *Client, args [][]byte) {
	var o shard.ZAddOptions
	i := 2
opts:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case is(a, "nx"):
			o.NX = true
		case is(a, "xx"):
			o.XX = true
		case is(a, "ch"):
			o.CH = true
		default:
			break opts
		}
	}
	triples := args[i:]
	if len(triples)%3 != 0 || (o.XX && o.NX) || len(triples) == 0 {
		c.Error(ErrSyntax)
		return
	}
	n := len(triples) / 3
	scores := make([]float64, 0, n)
	elems := make([][]byte, 0, 2*n)
	for j := 0; j < len(triples); j += 3 {
		lon, lat, ok := geoLonLat(c, triples[j], triples[j+1])
		if !ok {
			return
		}
		score, _ := shard.GeoScore(lon, lat)
		scores = append(scores, score)
		elems = append(elems, nil, triples[j+2])
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	r := x.ZAdd(c.DB, args[1], o, scores, elems)
	sh.Unlock()
	switch {
	case r.Status == shard.WrongType:
		c.Error(ErrWrongType)
	case o.CH:
		c.W.AppendInt(int64(r.Added + r.Updated))
	default:
		c.W.AppendInt(int64(r.Added))
	}
}

// GEOPOS key member [member ...].
func cmdGeoPos(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	z, st := x.ZSetRead(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		score, ok := z.Score(m)
		if !ok {
			c.W.AppendNullArray()
			continue
		}
		lon, lat := shard.GeoDecode(score)
		c.W.AppendArrayLen(2)
		appendGeoCoord(c, lon)
		appendGeoCoord(c, lat)
	}
}

// GEODIST key member1 member2 [M|KM|FT|MI].
func cmdGeoDist(c *Client, args [][]byte) {
	conv := 1.0
	switch {
	case len(args) == 5:
		if conv = geoUnit(c, args[4]); conv < 0 {
			return
		}
	case len(args) > 5:
		c.Error(ErrSyntax)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	z, st := x.ZSetRead(c.DB, args[1])
	s1, ok1 := z.Score(args[2])
	s2, ok2 := z.Score(args[3])
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case !ok1 || !ok2:
		c.W.AppendNull()
	default:
		lon1, lat1 := shard.GeoDecode(s1)
		lon2, lat2 := shard.GeoDecode(s2)
		appendGeoDist(c, shard.GeoDistance(lon1, lat1, lon2, lat2)/conv)
	}
}

// GEOHASH key member [member ...]: 11-character standard geohashes.
func cmdGeoHash(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	z, st := x.ZSetRead(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	var buf [16]byte
	for _, m := range args[2:] {
		score, ok := z.Score(m)
		if !ok {
			c.W.AppendNull()
			continue
		}
		c.W.AppendBulk(shard.AppendGeoHash(buf[:0], score))
	}
}

// Variants of georadiusGeneric.
const (
	geoByCoords    = 1 << iota // GEORADIUS: around coordinates
	geoByMember                // GEORADIUSBYMEMBER: around a member
	geoNoStore                 // the _RO forms: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH's arguments
	geoSearchStore             // GEOSEARCHSTORE: args[1] is the destination
)

// Sort orders of a search.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoHandler serves GEORADIUS, GEORADIUSBYMEMBER, their _RO forms,
// GEOSEARCH and GEOSEARCHSTORE as Redis's georadiusGeneric.
func geoHandler(srcIdx int, flags int) Handler {
	return func(c *Client, args [][]byte) {
		src := args[srcIdx]
		// Every key a STORE option could name is locked with the source,
		// so the search and the store are one atomic step; which one is
		// meant is only known once the options are parsed.
		keys := append(c.keys[:0], src)
		switch {
		case flags&geoSearchStore != 0:
			keys = append(keys, args[1])
		case flags&(geoNoStore|geoSearch) == 0:
			for i := srcIdx + 1; i+1 < len(args); i++ {
				if is(args[i], "store") || is(args[i], "storedist") {
					keys = append(keys, args[i+1])
				}
			}
		}
		c.keys = keys
		m := c.srv.store.LockKeys(keys, c.Now)
		defer m.Unlock()
		geoRun(c, args, srcIdx, flags, m)
	}
}

func geoRun(c *Client, args [][]byte, srcIdx int, flags int, m shard.Multi) {
	src := args[srcIdx]
	z, st := m.For(src).ZSetRead(c.DB, src)
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	exists := st == shard.OK
	var storeKey []byte
	storeDist := false
	var s shard.GeoShape
	base := 0
	switch {
	case flags&geoByCoords != 0:
		base = 6
		lon, lat, ok := geoLonLat(c, args[2], args[3])
		if !ok {
			return
		}
		s.Lon, s.Lat = lon, lat
		if !geoRadiusArg(c, args[4], args[5], &s) {
			return
		}
	case flags&geoByMember != 0 && !exists:
		base = 5
	case flags&geoByMember != 0:
		base = 5
		score, ok := z.Score(args[2])
		if !ok {
			c.Error(errGeoMember)
			return
		}
		s.Lon, s.Lat = shard.GeoDecode(score)
		if !geoRadiusArg(c, args[3], args[4], &s) {
			return
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = args[1]
		}
	}
	withDist, withHash, withCoord, any := false, false, false, false
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	sort := geoSortNone
	count := int64(0)
	search := flags&geoSearch != 0
	remaining := len(args) - base
	for i := 0; i < remaining; i++ {
		a := args[base+i]
		switch {
		case is(a, "withdist"):
			withDist = true
		case is(a, "withhash"):
			withHash = true
		case is(a, "withcoord"):
			withCoord = true
		case is(a, "any"):
			any = true
		case is(a, "asc"):
			sort = geoSortAsc
		case is(a, "desc"):
			sort = geoSortDesc
		case is(a, "count") && i+1 < remaining:
			v, ok := argInt(args[base+i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if v <= 0 {
				c.Error(errGeoCount)
				return
			}
			count = v
			i++
		case is(a, "store") && i+1 < remaining && flags&geoNoStore == 0 && !search:
			storeKey, storeDist = args[base+i+1], false
			i++
		case is(a, "storedist") && i+1 < remaining && flags&geoNoStore == 0 && !search:
			storeKey, storeDist = args[base+i+1], true
			i++
		case is(a, "storedist") && search && flags&geoSearchStore != 0:
			storeDist = true
		case is(a, "frommember") && i+1 < remaining && search && !fromLoc:
			fromMember = true
			if exists {
				score, ok := z.Score(args[base+i+1])
				if !ok {
					c.Error(errGeoMember)
					return
				}
				s.Lon, s.Lat = shard.GeoDecode(score)
			}
			i++
		case is(a, "fromlonlat") && i+2 < remaining && search && !fromMember:
			lon, lat, ok := geoLonLat(c, args[base+i+1], args[base+i+2])
			if !ok {
				return
			}
			s.Lon, s.Lat = lon, lat
			fromLoc = true
			i += 2
		case is(a, "byradius") && i+2 < remaining && search && !byBox:
			if !geoRadiusArg(c, args[base+i+1], args[base+i+2], &s) {
				return
			}
			byRadius = true
			i += 2
		case is(a, "bybox") && i+3 < remaining && search && !byRadius:
			if !geoBoxArg(c, args[base+i+1], args[base+i+2], args[base+i+3], &s) {
				return
			}
			byBox = true
			i += 3
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	switch {
	case storeKey != nil && (withDist || withHash || withCoord):
		tag := geoStoreRadiusTag
		if flags&geoSearchStore != 0 {
			tag = geoStoreSearchTag
		}
		c.Error(fmt.Sprintf(errGeoStoreWith, tag))
		return
	case search && !fromMember && !fromLoc:
		c.Error(fmt.Sprintf(errGeoFromOne, args[0]))
		return
	case search && !byRadius && !byBox:
		c.Error(fmt.Sprintf(errGeoByOne, args[0]))
		return
	case any && count == 0:
		c.Error(errGeoAny)
		return
	}
	if !exists {
		if storeKey != nil {
			c.W.AppendInt(int64(m.For(storeKey).ZStore(c.DB, storeKey, nil)))
		} else {
			c.W.AppendArrayLen(0)
		}
		return
	}
	if count != 0 && sort == geoSortNone && !any {
		sort = geoSortAsc
	}
	limit := 0
	if any && count < math.MaxInt32 {
		limit = int(count)
	}
	points := shard.GeoSearch(z, &s, limit, nil)
	if len(points) == 0 && storeKey == nil {
		c.W.AppendArrayLen(0)
		return
	}
	switch sort {
	case geoSortAsc:
		slices.SortStableFunc(points, func(a, b shard.GeoPoint) int { return cmpDist(a.Dist, b.Dist) })
	case geoSortDesc:
		slices.SortStableFunc(points, func(a, b shard.GeoPoint) int { return cmpDist(b.Dist, a.Dist) })
	}
	if count > 0 && int64(len(points)) > count {
		points = points[:count]
	}
	if storeKey != nil {
		items := make([]core.ZItem, len(points))
		for i, p := range points {
			score := p.Score
			if storeDist {
				score = p.Dist / s.Conversion
			}
			items[i] = core.ZItem{Score: score, Member: p.Member}
		}
		c.W.AppendInt(int64(m.For(storeKey).ZStore(c.DB, storeKey, items)))
		return
	}
	extra := 0
	for _, on := range []bool{withDist, withHash, withCoord} {
		if on {
			extra++
		}
	}
	c.W.AppendArrayLen(len(points))
	for _, p := range points {
		if extra > 0 {
			c.W.AppendArrayLen(extra + 1)
		}
		c.W.AppendBulkString(p.Member)
		if withDist {
			appendGeoDist(c, p.Dist/s.Conversion)
		}
		if withHash {
			c.W.AppendInt(int64(p.Score))
		}
		if withCoord {
			c.W.AppendArrayLen(2)
			appendGeoCoord(c, p.Lon)
			appendGeoCoord(c, p.Lat)
		}
	}
}

// cmpDist orders distances as Redis's sort_gp_asc.
func cmpDist(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

var geoCommands = []*Command{
	{Name: "geoadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", Syntax: "key [condition:(NX | XX)] [CH] data:(longitude:double latitude:double member [longitude:double latitude:double member ...])", Handler: cmdGeoAdd},
	{Name: "geodist", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Returns the distance between two members of a geospatial index.", Syntax: "key member1 member2 [unit:(M | KM | FT | MI)]", Handler: cmdGeoDist},
	{Name: "geohash", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Returns members from a geospatial index as geohash strings.", Syntax: "key [member [member ...]]", Handler: cmdGeoHash},
	{Name: "geopos", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Returns the longitude and latitude of members from a geospatial index.", Syntax: "key [member [member ...]]", Handler: cmdGeoPos},
	{Name: "georadius", Arity: -6, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", Syntax: "key longitude:double latitude:double radius:double unit:(M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [count-block:(COUNT count:int [ANY])] [order:(ASC | DESC)] [store:(STORE storekey:key | STOREDIST storedistkey:key)]", Handler: geoHandler(1, geoByCoords)},
	{Name: "georadius_ro", Arity: -6, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.10", Summary: "Returns members from a geospatial index that are within a distance from a coordinate.", Syntax: "key longitude:double latitude:double radius:double unit:(M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [count-block:(COUNT count:int [ANY])] [order:(ASC | DESC)]", Handler: geoHandler(1, geoByCoords|geoNoStore)},
	{Name: "georadiusbymember", Arity: -5, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.0", Summary: "Queries a geospatial index for members within a distance from a member, optionally stores the result.", Syntax: "key member radius:double unit:(M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [count-block:(COUNT count:int [ANY])] [order:(ASC | DESC)] [store:(STORE storekey:key | STOREDIST storedistkey:key)]", Handler: geoHandler(1, geoByMember)},
	{Name: "georadiusbymember_ro", Arity: -5, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "3.2.10", Summary: "Returns members from a geospatial index that are within a distance from a member.", Syntax: "key member radius:double unit:(M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [count-block:(COUNT count:int [ANY])] [order:(ASC | DESC)]", Handler: geoHandler(1, geoByMember|geoNoStore)},
	{Name: "geosearch", Arity: -7, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "geo", Since: "6.2.0", Summary: "Queries a geospatial index for members inside an area of a box or a circle.", Syntax: "key from:(FROMMEMBER member | FROMLONLAT longitude:double latitude:double) by:(circle:(BYRADIUS radius:double unit:(M | KM | FT | MI)) | box:(BYBOX width:double height:double unit:(M | KM | FT | MI))) [order:(ASC | DESC)] [count-block:(COUNT count:int [ANY])] [WITHCOORD] [WITHDIST] [WITHHASH]", Handler: geoHandler(1, geoSearch)},
	{Name: "geosearchstore", Arity: -8, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 2, Step: 1, Group: "geo", Since: "6.2.0", Summary: "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", Syntax: "destination:key source:key from:(FROMMEMBER member | FROMLONLAT longitude:double latitude:double) by:(circle:(BYRADIUS radius:double unit:(M | KM | FT | MI)) | box:(BYBOX width:double height:double unit:(M | KM | FT | MI))) [order:(ASC | DESC)] [count-block:(COUNT count:int [ANY])] [STOREDIST]", Handler: geoHandler(2, geoSearch|geoSearchStore)},
}
