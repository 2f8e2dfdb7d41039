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
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }

	w("## Membaca hasil / Reading the results\n\n")
	w("Angka di bagian ini diambil dari tabel-tabel di bawah, dari run yang sama; carilah di tabelnya, lalu tulis analisis Anda sendiri.\n\n")
	if len(lbDirect) > 0 {
		w("- **lb dibanding satu async_server langsung.** Lewat lb, jumlah request per detik hanya %s dari satu async_server yang diakses langsung (tabel *What the lb costs*). Setiap request lewat lb memakai dua koneksi TCP, bukan satu, dan lb menyalin setiap byte dari satu koneksi ke koneksi lain; di mesin %s core ini, lb, keempat backend, dan `ab` berbagi core yang sama, jadi lb menambah pekerjaan, bukan kapasitas.\n", spanID(lbDirect), or(meta["cores"], "ini"))
	}
	if len(lbThread) > 0 {
		w("- **lb dibanding server thread (pertanyaan langkah 6).** lb melayani %s request per detik dibanding server_thread_http (tabel *The lb against the thread server*). Server thread menjawab langsung dengan satu koneksi per request; lb membayar dua koneksi dan salinan. Di Go, satu *goroutine* per koneksi itu murah, sehingga model thread tidak kalah di sini.\n", spanID(lbThread))
	}
	switch {
	case len(pyThread) > 0:
		w("- **Python dan Go.** server_thread_http versi Go melayani %s request per detik dibanding server_thread_http.py di mesin yang sama (tabel *The course's Python programs on this machine*): setiap koneksi Python yang selesai meninggalkan thread yang terjebak dalam *busy loop* dan menghabiskan CPU (bug `thread-spin`), dan `listen(1)` membuat koneksi menunggu SYN diulang (bug `backlog`).", spanID(pyThread))
		if len(pyLB) > 0 {
			w(" lb versi Go melayani %s dibanding lb.py, yang backend-nya (async_server.py) menjawab `/` dengan 404 kosong tanpa membaca file.", spanID(pyLB))
		}
		w("\n")
	case len(theirs) > 0:
		w("- **Python dan Go.** Run ini tidak menjalankan program Python bersama program Go (`./run_all.sh --python DIR` menjalankan keduanya)%s. Dibanding tabel tugas, yang diukur di mesin lain, server thread kita melayani %s request per detik (tabel *Beside the assignment's Python tables*); sebagian besar selisih itu berasal dari bug `thread-spin`, bukan dari model thread.\n", pick(pyOther, "; angka Python di bawah berasal dari run lain", ""), spanID(theirs))
	}
	w("- **Kapan load balancer berguna.** Run ini tidak dapat menunjukkannya: load balancer membantu bila backend berjalan di mesin lain (masing-masing dengan core sendiri), atau bila setiap request lebih mahal bagi backend daripada salinan lb (halaman yang dihitung, basis data yang lambat). Di sini kelima program dan `ab` berbagi %s core, dan mengirim page.html hampir tidak memakan biaya, sehingga pekerjaan lb sendiri yang dominan.\n", or(meta["cores"], "beberapa"))
	notRun(b, runs, meta, true)
	w("\n")

	if len(lbDirect) > 0 {
		w("- **The lb against one async_server directly.** Through the lb, requests per second are %s those of one async_server reached directly (table *What the lb costs*). Each request through the lb is two TCP connections instead of one, and the lb copies every byte from one to the other; on this %s-core machine the lb, its four backends and `ab` share the same cores, so the lb adds work, not capacity.\n", span(lbDirect), or(meta["cores"], "small"))
	}
	if len(lbThread) > 0 {
		w("- **The lb against the thread server (the question of step 6).** The lb serves %s the requests per second of server_thread_http (table *The lb against the thread server*). The thread server answers directly, one connection per request; the lb pays two connections and a copy. In Go a goroutine per connection is cheap, so the thread model does not lose here.\n", span(lbThread))
	}
	switch {
	case len(pyThread) > 0:
		w("- **The Python and the Go.** The Go server_thread_http serves %s the requests per second of server_thread_http.py on this machine (table *The course's Python programs on this machine*): every finished Python connection leaves a thread spinning at full CPU (bug row `thread-spin`), and `listen(1)` makes connections wait for a SYN retry (bug row `backlog`).", span(pyThread))
		if len(pyLB) > 0 {
			w(" The Go lb serves %s those of lb.py, whose backends (async_server.py) answer `/` with an empty 404 and read no file.", span(pyLB))
		}
		w("\n")
	case len(theirs) > 0:
		w("- **The Python and the Go.** This run did not run the Python programs beside the Go (`./run_all.sh --python DIR` runs both)%s. Against the assignment's tables, measured on another machine, our thread server serves %s the requests per second (table *Beside the assignment's Python tables*); most of that comes from the bug row `thread-spin`, not from the thread model.\n", pick(pyOther, "; the Python's figures below come from another run", ""), span(theirs))
	}
	w("- **When a load balancer pays.** This run cannot show it: a load balancer helps when its backends run on other machines (each with cores of its own), or when a request costs a backend more than the lb's copy (a page that is computed, a slow database). Here all five programs and `ab` share %s cores, and sending page.html costs almost nothing, so the lb's own work is what shows.\n", or(meta["cores"], "a few"))
	notRun(b, runs, meta, false)
	w("\n")
}

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

// span gives the lowest and highest of ratios as the tables print them,
// joined by "to"; spanID, by "sampai".
func span(ratios []float64) string { return spanWith(ratios, " to ") }

func spanID(ratios []float64) string { return spanWith(ratios, " sampai ") }

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

// notRun says which sections this run did not measure, in Indonesian
// (id) or English.
func notRun(b *strings.Builder, runs []Run, meta map[string]string, id bool) {
	have := map[string]bool{}
	for _, r := range runs {
		have[r.Section] = true
	}
	type section struct{ key, nameID, nameEN, how string } // the names start a sentence
	var missing, old []section
	for _, s := range []section{
		{"c10k", "Angka C10K", "The C10K figures", "`./run_all.sh` (tanpa `--quick`)"},
		{"python", "Angka program Python", "The Python programs' figures", "`./run_all.sh --python DIR`"},
		{"nginx", "Angka perbandingan dengan nginx", "The figures against nginx", "`./run_all.sh compare`"},
	} {
		switch {
		case !have[s.key]:
			missing = append(missing, s)
		case meta["ran_"+s.key] != "" && meta["ran_"+s.key] != meta["ran_main"]:
			old = append(old, s)
		}
	}
	for _, s := range missing {
		how := s.how
		if !id {
			how = strings.Replace(how, "(tanpa `--quick`)", "(without `--quick`)", 1)
		}
		if id {
			fmt.Fprintf(b, "- %s tidak diukur (jalankan %s).\n", s.nameID, how)
		} else {
			fmt.Fprintf(b, "- %s were not measured (run %s).\n", s.nameEN, how)
		}
	}
	for _, s := range old {
		if id {
			fmt.Fprintf(b, "- %s berasal dari run lain, %s, bukan dari run ini.\n", s.nameID, meta["ran_"+s.key])
		} else {
			fmt.Fprintf(b, "- %s come from another run, %s, not this one.\n", s.nameEN, meta["ran_"+s.key])
		}
	}
}
