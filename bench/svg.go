package bench

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// A small line-chart writer: the suite's charts are a few lines over a
// handful of categorical x values, which a hundred lines of SVG serve
// better than a plotting dependency. Panels sit in a grid of two columns,
// share one legend, and have linear y axes from zero (so ratios between
// lines read true) with round tick values.

// Chart is a titled grid of panels.
type Chart struct {
	Title  string
	Panels []Panel
}

// Panel is one plot: a line per series over the categorical X labels,
// evenly spaced.
type Panel struct {
	Title          string
	XLabel, YLabel string
	X              []string
	Series         []Series
	// Format renders a y tick value; nil prints it plainly.
	Format func(float64) string
}

// Series is one line; a negative value is a missing point (the line
// breaks there).
type Series struct {
	Name   string
	Color  string
	Values []float64
}

// Panel geometry, in SVG user units.
const (
	panelW, panelH = 480, 300
	padLeft        = 70 // y tick labels and the y label
	padRight       = 20
	padTop         = 34 // the panel title
	padBottom      = 48 // x tick labels and the x label
	chartTop       = 64 // the chart title and the legend
)

// SVG renders the chart.
func (c Chart) SVG() []byte {
	cols := min(2, max(len(c.Panels), 1))
	rows := (len(c.Panels) + cols - 1) / cols
	width, height := cols*panelW, chartTop+rows*panelH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" text-anchor="middle" font-size="16" font-weight="bold">%s</text>`+"\n", width/2, esc(c.Title))
	c.legend(&b, width)
	for i, p := range c.Panels {
		x0, y0 := (i%cols)*panelW, chartTop+(i/cols)*panelH
		p.draw(&b, x0, y0)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// legend draws one entry per series name (the first panel's order),
// centred under the title.
func (c Chart) legend(b *strings.Builder, width int) {
	var names, colors []string
	for _, p := range c.Panels {
		for _, s := range p.Series {
			if !contains(names, s.Name) {
				names, colors = append(names, s.Name), append(colors, s.Color)
			}
		}
	}
	const entry = 130
	x := width/2 - len(names)*entry/2
	for i, n := range names {
		fmt.Fprintf(b, `<line x1="%d" y1="44" x2="%d" y2="44" stroke="%s" stroke-width="3"/>`, x, x+24, colors[i])
		fmt.Fprintf(b, `<circle cx="%d" cy="44" r="3.5" fill="%s"/>`, x+12, colors[i])
		fmt.Fprintf(b, `<text x="%d" y="48">%s</text>`+"\n", x+30, esc(n))
		x += entry
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// draw renders the panel with its top-left corner at (x0, y0).
func (p Panel) draw(b *strings.Builder, x0, y0 int) {
	left, top := float64(x0+padLeft), float64(y0+padTop)
	w, h := float64(panelW-padLeft-padRight), float64(panelH-padTop-padBottom)
	format := p.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", left+w/2, y0+20, esc(p.Title))

	top0 := 0.0
	for _, s := range p.Series {
		for _, v := range s.Values {
			top0 = math.Max(top0, v)
		}
	}
	step, ymax := niceScale(top0, 5)
	yOf := func(v float64) float64 { return top + h - v/ymax*h }
	for i := 0; float64(i)*step <= ymax+step/2; i++ {
		v := float64(i) * step
		y := yOf(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`, left, y, left+w, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+4, esc(format(v)))
	}
	n := len(p.X)
	xOf := func(i int) float64 {
		if n == 1 {
			return left + w/2
		}
		return left + 20 + float64(i)*(w-40)/float64(n-1)
	}
	for i, l := range p.X {
		x := xOf(i)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x, top+h, x, top+h+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, top+h+19, esc(l))
	}
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, left, top, left, top+h)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n", left, top+h, left+w, top+h)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", left+w/2, top+h+38, esc(p.XLabel))
	fmt.Fprintf(b, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0+14, top+h/2, esc(p.YLabel))

	for _, s := range p.Series {
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", s.Color, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if v < 0 || i >= n {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(i), yOf(v)))
		}
		flush()
		for i, v := range s.Values {
			if v >= 0 && i < n {
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %s</title></circle>`+"\n",
					xOf(i), yOf(v), s.Color, esc(s.Name+" at "+p.X[i]), esc(format(v)))
			}
		}
	}
}

// niceScale picks a round tick step (1, 2, 2.5 or 5 times a power of ten)
// giving about ticks intervals up to at least top, and the axis maximum.
func niceScale(top float64, ticks int) (step, max float64) {
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return 1, float64(ticks)
	}
	raw := top / float64(ticks)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * pow; step >= raw {
			break
		}
	}
	return step, math.Ceil(top/step-1e-9) * step
}

// siFormat prints ops/s values: 250k, 1.5M.
func siFormat(v float64) string {
	switch {
	case v >= 1e6:
		return round3(v/1e6) + "M"
	case v >= 1e3:
		return round3(v/1e3) + "k"
	}
	return round3(v)
}

// msFormat prints millisecond values to the microsecond.
func msFormat(v float64) string { return round3(v) }

// round3 prints v with at most three decimals and no trailing zeros, so
// ticks made by adding steps (0.6000000000000001) print as meant.
func round3(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }

func esc(s string) string { return html.EscapeString(s) }
