package main

import (
	"testing"

	"github.com/redis/go-redis/v9"
)

// The GEO family against the real binary, on the Sicily example of Redis's
// documentation; every expected text is what redis-server answers.

func geoSicily(t *testing.T, c *redis.Client) {
	t.Helper()
	mustDo(t, c, "geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
	mustDo(t, c, "set", "str", "v")
}

func TestGeoAdd(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, "2"},
			{[]any{"geoadd", "Sicily", "13.361389", "38.115556", "Palermo"}, "0"},
			{[]any{"geoadd", "Sicily", "ch", "13.361390", "38.115556", "Palermo"}, "0"}, // the same 52-bit cell: no change
			{[]any{"geoadd", "Sicily", "ch", "13.4", "38.115556", "Palermo"}, "1"},
			{[]any{"geoadd", "Sicily", "xx", "1", "2", "nope"}, "0"},
			{[]any{"geoadd", "Sicily", "nx", "1", "2", "Palermo"}, "0"},
			{[]any{"geoadd", "Sicily", "13.361389", "38.115556", "Palermo"}, "0"},
			{[]any{"zrange", "Sicily", "0", "-1", "withscores"}, zp(c, "[Palermo 3479099956230698 Catania 3479447370796909]", "[[Palermo 3.479099956230698e+15] [Catania 3.479447370796909e+15]]")},
			{[]any{"geoadd", "Sicily", "nx", "xx", "1", "2", "m"}, "error: ERR syntax error"},
			{[]any{"geoadd", "Sicily", "1", "2", "m", "3"}, "error: ERR syntax error"},
			{[]any{"geoadd", "Sicily", "1", "2"}, "error: ERR wrong number of arguments for 'geoadd' command"},
			{[]any{"geoadd", "Sicily", "200", "100", "bad"}, "error: ERR invalid longitude,latitude pair 200.000000,100.000000"},
			{[]any{"geoadd", "Sicily", "1", "86", "bad"}, "error: ERR invalid longitude,latitude pair 1.000000,86.000000"},
			{[]any{"geoadd", "Sicily", "inf", "1", "bad"}, "error: ERR invalid longitude,latitude pair inf,1.000000"},
			{[]any{"geoadd", "Sicily", "abc", "1", "bad"}, "error: ERR value is not a valid float"},
			{[]any{"geoadd", "Sicily", "gt", "1", "2", "m"}, "error: ERR syntax error"},
			{[]any{"geoadd", "Sicily", "gt", "1", "m"}, "error: ERR value is not a valid float"},
			{[]any{"set", "str", "v"}, "OK"},
			{[]any{"geoadd", "str", "1", "2", "m"}, errWrongType},
		})
	})
}

func TestGeoPosDistHash(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		geoSicily(t, c)
		runCases(t, c, []case1{
			{[]any{"geopos", "Sicily", "Palermo", "Catania", "NonExisting"}, zp(c,
				"[[13.36138933897018433 38.11555639549629859] [15.08726745843887329 37.50266842333162032] <nil>]",
				"[[13.361389338970184 38.1155563954963] [15.087267458438873 37.50266842333162] <nil>]")},
			{[]any{"geopos", "nokey", "a"}, "[<nil>]"},
			{[]any{"geopos", "Sicily"}, "[]"},
			{[]any{"geopos", "str", "a"}, errWrongType},
			{[]any{"geodist", "Sicily", "Palermo", "Catania"}, "166274.1516"},
			{[]any{"geodist", "Sicily", "Palermo", "Catania", "km"}, "166.2742"},
			{[]any{"geodist", "Sicily", "Palermo", "Catania", "MI"}, "103.3182"},
			{[]any{"geodist", "Sicily", "Palermo", "Catania", "ft"}, "545518.8700"},
			{[]any{"geodist", "Sicily", "Palermo", "Catania", "furlong"}, "error: ERR unsupported unit provided. please use M, KM, FT, MI"},
			{[]any{"geodist", "Sicily", "Palermo", "Catania", "km", "x"}, "error: ERR syntax error"},
			{[]any{"geodist", "Sicily", "Palermo", "nosuch"}, "<nil>"},
			{[]any{"geodist", "nokey", "a", "b"}, "<nil>"},
			{[]any{"geodist", "str", "a", "b"}, errWrongType},
			{[]any{"geohash", "Sicily", "Palermo", "Catania", "nosuch"}, "[sqc8b49rny0 sqdtr74hyu0 <nil>]"},
			{[]any{"geohash", "nokey", "a"}, "[<nil>]"},
			{[]any{"geohash", "str", "a"}, errWrongType},
		})
	})
}

func TestGeoRadius(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		geoSicily(t, c)
		runCases(t, c, []case1{
			{[]any{"georadius", "Sicily", "15", "37", "100", "km"}, "[Catania]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km"}, "[Palermo Catania]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "WITHDIST"}, "[[Palermo 190.4424] [Catania 56.4413]]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "WITHCOORD"}, zp(c,
				"[[Palermo [13.36138933897018433 38.11555639549629859]] [Catania [15.08726745843887329 37.50266842333162032]]]",
				"[[Palermo [13.361389338970184 38.1155563954963]] [Catania [15.087267458438873 37.50266842333162]]]")},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHHASH", "ASC"}, "[[Catania 56.4413 3479447370796909] [Palermo 190.4424 3479099956230698]]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "desc"}, "[Palermo Catania]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "count", "1"}, "[Catania]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "count", "1", "desc"}, "[Palermo]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "count", "1", "any"}, "[Palermo]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "any"}, "error: ERR the ANY argument requires COUNT argument"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "count", "0"}, "error: ERR COUNT must be > 0"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "count", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"georadius", "Sicily", "15", "37", "abc", "km"}, "error: ERR need numeric radius"},
			{[]any{"georadius", "Sicily", "15", "37", "-1", "km"}, "error: ERR radius cannot be negative"},
			{[]any{"georadius", "Sicily", "15", "37", "1", "parsec"}, "error: ERR unsupported unit provided. please use M, KM, FT, MI"},
			{[]any{"georadius", "Sicily", "200", "37", "1", "km"}, "error: ERR invalid longitude,latitude pair 200.000000,37.000000"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "foo"}, "error: ERR syntax error"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "store", "dst", "withdist"}, "error: ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "store", "dst"}, "2"},
			{[]any{"zrange", "dst", "0", "-1"}, "[Palermo Catania]"},
			{[]any{"georadius", "Sicily", "15", "37", "200", "km", "storedist", "dst"}, "2"},
			{[]any{"zrange", "dst", "0", "-1"}, "[Catania Palermo]"},
			{[]any{"zscore", "dst", "Catania"}, "56.4412578701582"},
			{[]any{"georadius_ro", "Sicily", "15", "37", "200", "km", "store", "dst"}, "error: ERR syntax error"},
			{[]any{"georadius", "nokey", "15", "37", "200", "km"}, "[]"},
			{[]any{"georadius", "nokey", "15", "37", "200", "km", "store", "dst"}, "0"},
			{[]any{"exists", "dst"}, "0"},
			{[]any{"georadius", "str", "15", "37", "200", "km"}, errWrongType},
			{[]any{"georadius", "Sicily", "15", "37", "200"}, "error: ERR wrong number of arguments for 'georadius' command"},
			{[]any{"geoadd", "Sicily", "13.583333", "37.316667", "Agrigento"}, "1"},
			{[]any{"georadiusbymember", "Sicily", "Agrigento", "100", "km"}, "[Agrigento Palermo]"},
			{[]any{"georadiusbymember", "Sicily", "Agrigento", "100", "km", "withdist"}, "[[Agrigento 0.0000] [Palermo 90.9778]]"},
			{[]any{"georadiusbymember", "Sicily", "nosuch", "100", "km"}, "error: ERR could not decode requested zset member"},
			{[]any{"georadiusbymember", "nokey", "nosuch", "abc", "km"}, "[]"},
			{[]any{"georadiusbymember", "Sicily", "Agrigento", "abc", "km"}, "error: ERR need numeric radius"},
			{[]any{"georadiusbymember_ro", "Sicily", "Agrigento", "100", "km", "count", "1"}, "[Agrigento]"},
		})
	})
}

func TestGeoSearch(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		geoSicily(t, c)
		mustDo(t, c, "geoadd", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2")
		runCases(t, c, []case1{
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"}, "[Catania Palermo]"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHDIST"}, "[[Catania 56.4413] [Palermo 190.4424] [edge2 279.7403] [edge1 279.7405]]"},
			{[]any{"geosearch", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km", "WITHDIST"}, "[[Palermo 0.0000] [edge1 91.4007]]"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "count", "1", "withhash"}, "[[Catania 3479447370796909]]"},
			{[]any{"geosearch", "Sicily", "FROMMEMBER", "nosuch", "BYBOX", "400", "400", "km"}, "error: ERR could not decode requested zset member"},
			{[]any{"geosearch", "nokey", "FROMMEMBER", "nosuch", "BYBOX", "400", "400", "km"}, "[]"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"}, "error: ERR syntax error"},
			{[]any{"geosearch", "Sicily", "BYRADIUS", "200", "km", "asc", "withdist"}, "error: ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "count", "1"}, "error: ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "BYBOX", "1", "1", "km"}, "error: ERR syntax error"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"}, "error: ERR height or width cannot be negative"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "a", "1", "km"}, "error: ERR need numeric width"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "a", "km"}, "error: ERR need numeric height"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "store", "x"}, "error: ERR syntax error"},
			{[]any{"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "storedist"}, "error: ERR syntax error"},
			{[]any{"geosearch", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"}, errWrongType},
			{[]any{"geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"}, "2"},
			{[]any{"zrange", "dst", "0", "-1"}, "[Palermo Catania]"},
			{[]any{"geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "storedist", "desc", "count", "1"}, "1"},
			{[]any{"zrange", "dst", "0", "-1"}, "[Palermo]"},
			{[]any{"geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "withdist"}, "error: ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"},
			{[]any{"geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"}, "0"},
			{[]any{"exists", "dst"}, "0"},
			{[]any{"geosearchstore", "dst", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"}, "0"},
		})
	})
}
