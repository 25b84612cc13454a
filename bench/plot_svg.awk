# Draws bench results (the CSV scripts/bench.sh writes) as an SVG bar chart of ratios, gofork
# against each baseline, on a log scale where 1x is "as fast as the baseline". Plain awk (mawk is
# always installed on Debian): no plotting dependency.
#
#   awk -F, -v subtitle="..." -f bench/plot_svg.awk build/bench/results.csv > bench/results.svg
#
# CSV columns: name,subject,baseline,unit,subject_value,baseline_value,ratio,goal,goal_kind,holds,note
# goal_kind: max (ratio <= goal), min (ratio >= goal; for throughputs), none.

function x_of(r) {  # log2 scale between lo and hi
  if (r < lo) r = lo
  if (r > hi) r = hi
  return left + (log(r) - log(lo)) / (log(hi) - log(lo)) * width
}
function esc(s) {
  gsub(/&/, "\\&amp;", s)
  gsub(/</, "\\&lt;", s)
  gsub(/>/, "\\&gt;", s)
  return s
}
function num(v) {
  if (v >= 1000) return sprintf("%.0f", v)
  if (v >= 100) return sprintf("%.1f", v)
  return sprintf("%.3g", v)
}

BEGIN { FS = ","; n = 0 }
NR == 1 && $1 == "name" { next }
/^#/ { next }
NF >= 10 {
  n++
  name[n] = $1; unit[n] = $4; sv[n] = $5 + 0; bv[n] = $6 + 0; ratio[n] = $7 + 0
  goal[n] = $8 + 0; kind[n] = $9; holds[n] = $10; subj[n] = $2; base[n] = $3
}

END {
  lo = 1 / 32; hi = 64
  left = 250; width = 560; row = 46; top = 70
  height = top + n * row + 60
  total = left + width + 250
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", total, height
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">gofork vs. baselines measured in the same run (ratio, log scale; left of 1x is better for times)</text>\n"
  printf "<text x=\"10\" y=\"42\" fill=\"#555\">%s</text>\n", esc(subtitle)
  # grid
  for (g = lo; g <= hi; g *= 2) {
    x = x_of(g)
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>\n", x, top - 8, x, top + n * row, (g == 1 ? "#000" : "#ddd"), (g == 1 ? "1.5" : "1")
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%sx</text>\n", x, top + n * row + 16, (g < 1 ? "1/" sprintf("%d", 1 / g + 0.5) : sprintf("%d", g))
  }
  for (i = 1; i <= n; i++) {
    y = top + (i - 1) * row
    color = holds[i] == "no" ? "#d9534f" : (holds[i] == "yes" ? "#5cb85c" : "#5b8dd9")
    x0 = x_of(1); x1 = x_of(ratio[i])
    xa = x0 < x1 ? x0 : x1; w = x0 < x1 ? x1 - x0 : x0 - x1
    if (w < 1) w = 1
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n", left - 8, y + 14, esc(name[i])
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\" font-size=\"10\">%s %s vs %s %s</text>\n", left - 8, y + 28, num(sv[i]), esc(unit[i]), num(bv[i]), esc(unit[i])
    printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"><title>%s vs %s</title></rect>\n", xa, y + 4, w, color, esc(subj[i]), esc(base[i])
    if (goal[i] > 0) {
      gx = x_of(goal[i])
      printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\" stroke-width=\"2\" stroke-dasharray=\"3,2\"/>\n", gx, y, gx, y + 28
    }
    label = sprintf("%.2fx", ratio[i])
    if (goal[i] > 0) label = label sprintf(" (goal %s%.2fx: %s)", (kind[i] == "min" ? "&#8805;" : "&#8804;"), goal[i], (holds[i] == "yes" ? "met" : "missed"))
    if (ratio[i] > hi || ratio[i] < lo) label = label " (off scale)"
    printf "<text x=\"%d\" y=\"%d\">%s</text>\n", left + width + 8, y + 18, label
  }
  printf "<text x=\"10\" y=\"%d\" fill=\"#555\" font-size=\"10\">bars: gofork / baseline (green: goal met, red: goal missed, blue: no goal); dashed: goal; for calls/s higher is better</text>\n", top + n * row + 40
  printf "</svg>\n"
}
