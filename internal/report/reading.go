package main

import (
	"fmt"
	"strings"
)

// reading writes "Membaca hasil / Reading the results": what this run's
// tables show, in the assignment's terms, first in Indonesian, then in
// English. Every figure in it is a cell of a table of the same file (the
// lb's cost, the lb against the thread server, the Python against the Go,
// ours against the assignment's), so that a student can find it, and
// write the analysis from the tables rather than copy it.
func reading(b *strings.Builder, runs []Run, meta map[string]string) {
	lb, direct, thread := group(runs, "main", "lb"), group(runs, "main", "async"), group(runs, "main", "thread")
	if len(lb) == 0 {
		return
	}
	lbDirect := pairRatios(lb, direct)
	lbThread := pairRatios(lb, thread)
	var pyThread, pyLB []float64 // only within one run: a kept Python run has lost its Go's figures
	pyOther := false
	if sameRun(meta, "python") {
		pyThread = pairRatios(thread, group(runs, "python", "py_thread"))
		pyLB = pairRatios(lb, group(runs, "python", "py_lb"))
	} else {
		pyOther = len(group(runs, "python", "py_thread")) > 0
	}
	var theirs []float64
	for _, th := range assignment["thread"] {
		for _, o := range thread {
			if o.Concurrency == th.Concurrency {
				theirs = append(theirs, o.Result.RPS/th.RPS)
			}
		}
	}
	b.WriteString("## Membaca hasil / Reading the results\n\n")
	for i, t := range readingTexts {
		if i == 0 {
			b.WriteString(t.intro)
		}
		sp := func(r []float64) string { return spanWith(r, t.to) }
		if len(lbDirect) > 0 {
			fmt.Fprintf(b, t.lbDirect, sp(lbDirect), or(meta["cores"], t.someCores))
		}
		if len(lbThread) > 0 {
			fmt.Fprintf(b, t.lbThread, sp(lbThread))
		}
		switch {
		case len(pyThread) > 0:
			fmt.Fprintf(b, t.pyThread, sp(pyThread))
			if len(pyLB) > 0 {
				fmt.Fprintf(b, t.pyLB, sp(pyLB))
			}
			b.WriteString("\n")
		case len(theirs) > 0:
			fmt.Fprintf(b, t.theirs, pick(pyOther, t.pyOther, ""), sp(theirs))
		}
		fmt.Fprintf(b, t.pays, or(meta["cores"], t.fewCores))
		notRun(b, runs, meta, t)
		b.WriteString("\n")
	}
}

// readingText is "Membaca hasil" in one language: each %s is a span of
// ratios (joined by to), or a count of cores (someCores, fewCores when the
// machine's is unknown).
type readingText struct {
	intro, to, someCores, fewCores                            string
	lbDirect, lbThread, pyThread, pyLB, theirs, pyOther, pays string
	notMeasured, fromOther, withoutQuick                      string    // notRun's
	sections                                                  [3]string // the names of c10k, python and nginx, to start a sentence
}

var readingTexts = []readingText{{
	intro:        "Angka di bagian ini diambil dari tabel-tabel di bawah, dari run yang sama; carilah di tabelnya, lalu tulis analisis Anda sendiri.\n\n",
	to:           " sampai ",
	someCores:    "ini",
	fewCores:     "beberapa",
	lbDirect:     "- **lb dibanding satu async_server langsung.** Lewat lb, jumlah request per detik hanya %s dari satu async_server yang diakses langsung (tabel *What the lb costs*). Setiap request lewat lb memakai dua koneksi TCP, bukan satu, dan lb menyalin setiap byte dari satu koneksi ke koneksi lain; di mesin %s core ini, lb, keempat backend, dan `ab` berbagi core yang sama, jadi lb menambah pekerjaan, bukan kapasitas.\n",
	lbThread:     "- **lb dibanding server thread (pertanyaan langkah 6).** lb melayani %s request per detik dibanding server_thread_http (tabel *The lb against the thread server*). Server thread menjawab langsung dengan satu koneksi per request; lb membayar dua koneksi dan salinan. Di Go, satu *goroutine* per koneksi itu murah, sehingga model thread tidak kalah di sini.\n",
	pyThread:     "- **Python dan Go.** server_thread_http versi Go melayani %s request per detik dibanding server_thread_http.py di mesin yang sama (tabel *The course's Python programs on this machine*): setiap koneksi Python yang selesai meninggalkan thread yang terjebak dalam *busy loop* dan menghabiskan CPU (bug `thread-spin`), dan `listen(1)` membuat koneksi menunggu SYN diulang (bug `backlog`).",
	pyLB:         " lb versi Go melayani %s dibanding lb.py, yang backend-nya (async_server.py) menjawab `/` dengan 404 kosong tanpa membaca file.",
	theirs:       "- **Python dan Go.** Run ini tidak menjalankan program Python bersama program Go (`./run_all.sh --python DIR` menjalankan keduanya)%s. Dibanding tabel tugas, yang diukur di mesin lain, server thread kita melayani %s request per detik (tabel *Beside the assignment's Python tables*); sebagian besar selisih itu berasal dari bug `thread-spin`, bukan dari model thread.\n",
	pyOther:      "; angka Python di bawah berasal dari run lain",
	pays:         "- **Kapan load balancer berguna.** Run ini tidak dapat menunjukkannya: load balancer membantu bila backend berjalan di mesin lain (masing-masing dengan core sendiri), atau bila setiap request lebih mahal bagi backend daripada salinan lb (halaman yang dihitung, basis data yang lambat). Di sini kelima program dan `ab` berbagi %s core, dan mengirim page.html hampir tidak memakan biaya, sehingga pekerjaan lb sendiri yang dominan.\n",
	notMeasured:  "- %s tidak diukur (jalankan %s).\n",
	fromOther:    "- %s berasal dari run lain, %s, bukan dari run ini.\n",
	withoutQuick: "(tanpa `--quick`)",
	sections:     [3]string{"Angka C10K", "Angka program Python", "Angka perbandingan dengan nginx"},
}, {
	to:           " to ",
	someCores:    "small",
	fewCores:     "a few",
	lbDirect:     "- **The lb against one async_server directly.** Through the lb, requests per second are %s those of one async_server reached directly (table *What the lb costs*). Each request through the lb is two TCP connections instead of one, and the lb copies every byte from one to the other; on this %s-core machine the lb, its four backends and `ab` share the same cores, so the lb adds work, not capacity.\n",
	lbThread:     "- **The lb against the thread server (the question of step 6).** The lb serves %s the requests per second of server_thread_http (table *The lb against the thread server*). The thread server answers directly, one connection per request; the lb pays two connections and a copy. In Go a goroutine per connection is cheap, so the thread model does not lose here.\n",
	pyThread:     "- **The Python and the Go.** The Go server_thread_http serves %s the requests per second of server_thread_http.py on this machine (table *The course's Python programs on this machine*): every finished Python connection leaves a thread spinning at full CPU (bug row `thread-spin`), and `listen(1)` makes connections wait for a SYN retry (bug row `backlog`).",
	pyLB:         " The Go lb serves %s those of lb.py, whose backends (async_server.py) answer `/` with an empty 404 and read no file.",
	theirs:       "- **The Python and the Go.** This run did not run the Python programs beside the Go (`./run_all.sh --python DIR` runs both)%s. Against the assignment's tables, measured on another machine, our thread server serves %s the requests per second (table *Beside the assignment's Python tables*); most of that comes from the bug row `thread-spin`, not from the thread model.\n",
	pyOther:      "; the Python's figures below come from another run",
	pays:         "- **When a load balancer pays.** This run cannot show it: a load balancer helps when its backends run on other machines (each with cores of its own), or when a request costs a backend more than the lb's copy (a page that is computed, a slow database). Here all five programs and `ab` share %s cores, and sending page.html costs almost nothing, so the lb's own work is what shows.\n",
	notMeasured:  "- %s were not measured (run %s).\n",
	fromOther:    "- %s come from another run, %s, not this one.\n",
	withoutQuick: "(without `--quick`)",
	sections:     [3]string{"The C10K figures", "The Python programs' figures", "The figures against nginx"},
}}

// pairRatios returns a's requests per second over b's, at each
// concurrency both have.
func pairRatios(a, b []Run) []float64 {
	var out []float64
	for _, x := range a {
		for _, y := range b {
			if x.Concurrency == y.Concurrency && x.Result.RPS > 0 && y.Result.RPS > 0 {
				out = append(out, x.Result.RPS/y.Result.RPS)
			}
		}
	}
	return out
}

// spanWith gives the lowest and highest of ratios as the tables print
// them, joined by to.
func spanWith(ratios []float64, to string) string {
	s := spreadOf(ratios)
	if ratio(s.lo, 1) == ratio(s.hi, 1) {
		return ratio(s.lo, 1)
	}
	return ratio(s.lo, 1) + to + ratio(s.hi, 1)
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// notRun says, in t's language, which sections this run did not measure,
// and which come from another run.
func notRun(b *strings.Builder, runs []Run, meta map[string]string, t readingText) {
	have := map[string]bool{}
	for _, r := range runs {
		have[r.Section] = true
	}
	for i, s := range []struct{ key, how string }{
		{"c10k", "`./run_all.sh` " + t.withoutQuick},
		{"python", "`./run_all.sh --python DIR`"},
		{"nginx", "`./run_all.sh compare`"},
	} {
		name := t.sections[i]
		switch ran := meta["ran_"+s.key]; {
		case !have[s.key]:
			fmt.Fprintf(b, t.notMeasured, name, s.how)
		case ran != "" && ran != meta["ran_main"]:
			fmt.Fprintf(b, t.fromOther, name, ran)
		}
	}
}
