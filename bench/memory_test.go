package bench

import (
	"strings"
	"testing"
)

func TestMemoryReport(t *testing.T) {
	reading := func(rss, purged int64) MemoryReading {
		return MemoryReading{RSS: rss << 20, PurgedRSS: purged << 20, BaselineRSS: 10 << 20, Used: rss << 19, PurgedUsed: purged << 19, Items: 1000}
	}
	r := &MemoryReport{
		Meta: Meta{Date: "2026-01-02T03:04:05Z", Command: "meridian-bench --memory"},
		Targets: []*TargetInfo{{Name: Meridian, Status: StatusOK, Bin: "m"}, {Name: MeridianAA3, Status: StatusOK, Note: "region 1 of 3",
			Regions: []RegionInfo{{}, {}, {}}}, {Name: Redis, Status: StatusOK, Bin: "r"}},
		Rows: []MemoryRow{
			{Dataset: "strings", Description: "1,000 string keys", Items: 1000, Targets: map[string]*MemoryCell{
				Meridian:    {Regions: []MemoryReading{reading(30, 25)}, LoadSeconds: 0.5},
				MeridianAA3: {Regions: []MemoryReading{reading(40, 30), reading(44, 31), reading(42, 30)}, DrainSeconds: 1.5},
				Redis:       {Regions: []MemoryReading{reading(20, 20)}},
			}},
			{Dataset: "set", Description: "a set", Items: 1000, Targets: map[string]*MemoryCell{
				Meridian: {Regions: []MemoryReading{reading(30, 25)}, Error: "died"},
				Redis:    {Regions: []MemoryReading{reading(20, 20)}},
			}},
		},
	}
	for i := range r.Rows {
		r.Rows[i].summarize()
	}
	r.Goals = memoryGoals(r.Rows)
	s := r.Rows[0]
	if *s.MeridianRedis != 1.5 || *s.AA3Redis != 2 || *s.AA3LargestRedis != 2.2 || *s.PurgedAA3Redis != 1.5 || *s.PurgedMeridianRedis != 1.25 {
		t.Fatalf("ratios %v %v %v %v %v", *s.MeridianRedis, *s.AA3Redis, *s.AA3LargestRedis, *s.PurgedAA3Redis, *s.PurgedMeridianRedis)
	}
	if r.Rows[1].MeridianRedis != nil {
		t.Fatal("a failed cell has a ratio")
	}
	if len(r.Goals) != 3 || r.Goals[0].Met != 0 || r.Goals[2].Met != 1 {
		t.Fatalf("goals %+v", r.Goals)
	}
	md := r.Markdown()
	for _, want := range []string{
		"| RSS, meridian-aa3 region 1 / redis (1,000 string keys) | <= 1.50 | 2.00 | no |\n",
		"| RSS after MEMORY PURGE, meridian-aa3 region 1 / redis (1,000 string keys) | <= 1.50 | 1.50 | yes |\n",
		// (30 - 10) MiB over 1000 items
		"| strings | meridian | server | 30.0 MiB | 15.0 MiB | 20971.5 B | 25.0 MiB | 12.5 MiB | 10.0 MiB | 0.5 |  |\n",
		"| strings | meridian-aa3 | region 2 | 44.0 MiB |",
		"| strings | meridian-aa3 | region 1 | 40.0 MiB | 20.0 MiB | 31457.3 B | 30.0 MiB | 15.0 MiB | 10.0 MiB | 0.0 | 1.5 |\n",
		"| set | meridian | server (failed: see the notes) |",
		"| 1,000 string keys | 1.50 | 2.00 | 2.20 | 1.25 | 1.50 |\n",
		"- meridian set: died\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
}

func TestMemoryDrainFailure(t *testing.T) {
	part := MemoryReading{RSS: 30 << 20, PurgedRSS: 20 << 20, Items: 400}
	row := MemoryRow{Dataset: "set", Description: "a set", Items: 1000, Targets: map[string]*MemoryCell{
		MeridianAA3: {Regions: []MemoryReading{{RSS: 40 << 20, PurgedRSS: 30 << 20, Items: 1000}, part, part}, DrainError: "stalled"},
		Redis:       {Regions: []MemoryReading{{RSS: 20 << 20, PurgedRSS: 20 << 20, Items: 1000}}},
	}}
	row.summarize()
	if row.AA3Redis == nil || *row.AA3Redis != 2 || row.AA3LargestRedis != nil {
		t.Fatalf("region 1 stands, the largest region is unknown: %v %v", row.AA3Redis, row.AA3LargestRedis)
	}
	md := (&MemoryReport{Rows: []MemoryRow{row}}).Markdown()
	for _, want := range []string{"| set | meridian-aa3 | region 2 (holds 400 of 1,000: see the notes) |",
		"- meridian-aa3 set: the other regions did not catch up", "| a set | n/a | 2.00 | n/a | n/a | 1.50 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
}
