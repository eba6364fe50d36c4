package bench

import (
	"math"
	"slices"
)

// Median returns the median of xs (the mean of the two middle values for an
// even count). NaN values are ignored; the median of nothing is 0.
func Median(xs []float64) float64 {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Ratio returns a/b, or 0 when either side is missing (<= 0).
func Ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
}

// Rotate returns items rotated left by k, the order in which targets run in
// one slot: round r of cell c runs Rotate(targets, r+c), so every target
// takes every position equally often and slow drift cancels.
func Rotate[T any](items []T, k int) []T {
	n := len(items)
	out := make([]T, n)
	if n == 0 {
		return out
	}
	k = ((k % n) + n) % n
	for i := range items {
		out[i] = items[(i+k)%n]
	}
	return out
}
