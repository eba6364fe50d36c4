package bench

import (
	"math"
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, math.NaN(), 30}, 20},
		{[]float64{math.NaN()}, 0},
	}
	for _, c := range cases {
		in := slices.Clone(c.in)
		if got := Median(in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in { // input left untouched
			if in[i] != c.in[i] && !(math.IsNaN(in[i]) && math.IsNaN(c.in[i])) {
				t.Errorf("Median reordered its input: %v", in)
			}
		}
	}
}

func TestRatio(t *testing.T) {
	if Ratio(50, 100) != 0.5 || Ratio(0, 100) != 0 || Ratio(100, 0) != 0 {
		t.Fatal("Ratio")
	}
}

func TestRotate(t *testing.T) {
	abc := []string{"a", "b", "c"}
	for k, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := Rotate(abc, k); !slices.Equal(got, want) {
			t.Errorf("Rotate(%d) = %v, want %v", k, got, want)
		}
	}
	if got := Rotate(abc, -1); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("Rotate(-1) = %v", got)
	}
	if got := Rotate([]int(nil), 3); len(got) != 0 {
		t.Errorf("Rotate(nil) = %v", got)
	}
	// Over n consecutive offsets every item takes every position once.
	pos := map[string]map[int]bool{}
	for k := 0; k < 3; k++ {
		for i, s := range Rotate(abc, k) {
			if pos[s] == nil {
				pos[s] = map[int]bool{}
			}
			pos[s][i] = true
		}
	}
	for s, p := range pos {
		if len(p) != 3 {
			t.Errorf("%s took positions %v", s, p)
		}
	}
}
