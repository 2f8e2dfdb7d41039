package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Chart draws requests per second against concurrency as an SVG line
// chart, one line per target of the assignment's runs (and of the Python
// run, when there is one). Concurrency levels are spaced evenly.
func Chart(runs []Run) string {
	type line struct {
		t   target
		pts []Run
	}
	var lines []line
	levels := map[int]bool{}
	top := 0.0
	for _, t := range targets {
		rs := group(runs, t.section, t.key)
		if len(rs) == 0 {
			continue
		}
		lines = append(lines, line{t, rs})
		for _, r := range rs {
			levels[r.Concurrency] = true
			top = math.Max(top, r.Result.RPS)
		}
	}
	var xs []int
	for c := range levels {
		xs = append(xs, c)
	}
	sort.Ints(xs)

	const w, h, left, right, topPad, bottom = 720, 400, 70, 250, 30, 50
	plotW, plotH := float64(w-left-right), float64(h-topPad-bottom)
	step := niceStep(top)
	ymax := step * math.Ceil(top/step)
	if ymax == 0 {
		ymax = 1
	}
	x := func(c int) float64 {
		if len(xs) < 2 {
			return left + plotW/2
		}
		return left + plotW*float64(sort.SearchInts(xs, c))/float64(len(xs)-1)
	}
	y := func(v float64) float64 { return topPad + plotH*(1-v/ymax) }

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	p(`<rect width="100%%" height="100%%" fill="#fff"/>` + "\n")
	p(`<text x="%d" y="18" font-size="14">Requests per second against concurrency (ab -n … -c C -r -k)</text>`+"\n", left)
	for v := 0.0; v <= ymax+step/2; v += step {
		p(`<line x1="%d" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, left+plotW, y(v), y(v))
		p(`<text x="%d" y="%.1f" text-anchor="end">%.0f</text>`+"\n", left-6, y(v)+4, v)
	}
	for _, c := range xs {
		p(`<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x(c), topPad+plotH+18, c)
	}
	p(`<text x="%.0f" y="%d" text-anchor="middle">concurrency (-c)</text>`+"\n", left+plotW/2, h-10)
	for i, l := range lines {
		var pts []string
		for _, r := range l.pts {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.Concurrency), y(r.Result.RPS)))
		}
		p(`<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", l.t.color, strings.Join(pts, " "))
		for _, r := range l.pts {
			p(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s c=%d: %.0f req/s</title></circle>`+"\n",
				x(r.Concurrency), y(r.Result.RPS), l.t.color, l.t.key, r.Concurrency, r.Result.RPS)
		}
		ly := topPad + 10 + 34*i
		p(`<rect x="%d" y="%d" width="14" height="4" fill="%s"/>`+"\n", w-right+20, ly, l.t.color)
		p(`<text x="%d" y="%d">%s</text>`+"\n", w-right+40, ly+5, escape(l.t.key))
		p(`<text x="%d" y="%d" fill="#666" font-size="10">%s</text>`+"\n", w-right+40, ly+18, escape(l.t.legend))
	}
	p("</svg>\n")
	return b.String()
}

// niceStep picks a grid step of 1, 2 or 5 times a power of ten, giving
// four to ten lines up to top.
func niceStep(top float64) float64 {
	if top <= 0 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(top)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2, 5} {
		if top/(m*pow) <= 10 {
			return m * pow
		}
	}
	return 10 * pow
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
