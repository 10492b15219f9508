package alloc

import (
	"bufio"
	"fmt"
	"io"
)

// WriteLP writes the placement as a mixed-integer program in CPLEX LP
// format, for reference solvers (CBC, HiGHS): the same model as Solve —
// general integers x per class of interchangeable single people and
// facility, binaries y per household and facility, unplaced counts, and the
// overflow above each comune's room — so their objective must equal ours.
func WriteLP(w io.Writer, in *Instance) error {
	if err := in.Validate(); err != nil {
		return err
	}
	nw := buildNetwork(in)
	bw := bufio.NewWriterSize(w, 1<<16)
	wt := in.Weights
	type term struct {
		coef int64
		name string
	}
	facility := make([][]term, len(in.Facilities)) // load terms per facility
	var obj []term
	var rows []string
	var generals, binaries, bounds []string
	for c, members := range nw.classes {
		n := len(members)
		row := fmt.Sprintf("c%d: u_c%d", c, c)
		obj = append(obj, term{wt.Unplaced, fmt.Sprintf("u_c%d", c)})
		generals = append(generals, fmt.Sprintf("u_c%d", c))
		bounds = append(bounds, fmt.Sprintf(" 0 <= u_c%d <= %d", c, n))
		for f, pf := range in.Facilities {
			if pf.Free == 0 || !nw.sigAccepts[nw.signature[f]][c] {
				continue
			}
			x := fmt.Sprintf("x_c%d_f%d", c, f)
			row += " + " + x
			obj = append(obj, term{nw.km[f] * wt.Distance, x})
			facility[f] = append(facility[f], term{1, x})
			generals = append(generals, x)
			bounds = append(bounds, fmt.Sprintf(" 0 <= %s <= %d", x, min(n, pf.Free)))
		}
		rows = append(rows, fmt.Sprintf("%s = %d", row, n))
	}
	for k, h := range nw.households {
		size := int64(in.Units[h].Size)
		row := fmt.Sprintf("h%d: v_h%d", k, k)
		obj = append(obj, term{size * wt.Unplaced, fmt.Sprintf("v_h%d", k)})
		binaries = append(binaries, fmt.Sprintf("v_h%d", k))
		for _, f := range nw.householdFs[k] {
			y := fmt.Sprintf("y_h%d_f%d", k, f)
			row += " + " + y
			obj = append(obj, term{size * nw.km[f] * wt.Distance, y})
			facility[f] = append(facility[f], term{size, y})
			binaries = append(binaries, y)
		}
		rows = append(rows, row+" = 1")
	}
	comune := make([][]term, len(in.Comuni))
	for f, terms := range facility {
		if len(terms) == 0 {
			continue
		}
		row := fmt.Sprintf("f%d:", f)
		for i, t := range terms {
			if i > 0 {
				row += " +"
			}
			row += fmt.Sprintf(" %d %s", t.coef, t.name)
		}
		rows = append(rows, fmt.Sprintf("%s <= %d", row, in.Facilities[f].Free))
		comune[nw.comuneOf[f]] = append(comune[nw.comuneOf[f]], terms...)
	}
	for m, terms := range comune {
		if len(terms) == 0 {
			continue
		}
		o := fmt.Sprintf("o_m%d", m)
		obj = append(obj, term{wt.OverGuideline, o})
		row := fmt.Sprintf("m%d:", m)
		for _, t := range terms {
			row += fmt.Sprintf(" + %d %s", t.coef, t.name)
		}
		rows = append(rows, fmt.Sprintf("%s - %s <= %d", row, o, nw.room[m]))
	}
	fmt.Fprintln(bw, "\\ gesta placement model: the same objective as `gesta alloc solve`")
	fmt.Fprintln(bw, "Minimize")
	fmt.Fprint(bw, " obj:")
	for i, t := range obj {
		if i%8 == 0 {
			fmt.Fprint(bw, "\n ")
		}
		fmt.Fprintf(bw, " + %d %s", t.coef, t.name)
	}
	fmt.Fprintln(bw, "\nSubject To")
	for _, r := range rows {
		fmt.Fprintln(bw, " "+r)
	}
	fmt.Fprintln(bw, "Bounds")
	for _, b := range bounds {
		fmt.Fprintln(bw, b)
	}
	if len(generals) > 0 {
		fmt.Fprintln(bw, "General")
		for _, g := range generals {
			fmt.Fprintln(bw, " "+g)
		}
	}
	if len(binaries) > 0 {
		fmt.Fprintln(bw, "Binary")
		for _, b := range binaries {
			fmt.Fprintln(bw, " "+b)
		}
	}
	fmt.Fprintln(bw, "End")
	return bw.Flush()
}
