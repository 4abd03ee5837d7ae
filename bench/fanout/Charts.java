import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the benchmark's charts as PNG with the JDK alone (java.awt in headless mode), so the report needs no
 * plotting package. Run as a single source file: {@code java -Djava.awt.headless=true Charts.java spec.tsv out.png ...}.
 * A spec is tab-separated lines: {@code type line|bar}, {@code title}, {@code xlabel}, {@code ylabel},
 * {@code logy true}, {@code categories c1 c2 ...}, and one {@code series NAME v1 v2 ...} per server, where a line
 * chart's values are {@code x:y} pairs and a bar chart's are one number (or "-") per category.
 */
public final class Charts {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private static final int W = 900, H = 520, LEFT = 90, RIGHT = 200, TOP = 50, BOTTOM = 70;

    record Series(String name, List<double[]> points) {}

    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            draw(Path.of(args[i]), new File(args[i + 1]));
        }
    }

    private static void draw(Path spec, File out) throws Exception {
        String type = "line", title = "", xlabel = "", ylabel = "";
        boolean logy = false;
        List<String> categories = new ArrayList<>();
        List<Series> series = new ArrayList<>();
        for (String line : Files.readAllLines(spec)) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "type" -> type = f[1];
                case "title" -> title = f[1];
                case "xlabel" -> xlabel = f[1];
                case "ylabel" -> ylabel = f[1];
                case "logy" -> logy = Boolean.parseBoolean(f[1]);
                case "categories" -> categories.addAll(List.of(f).subList(1, f.length));
                case "series" -> {
                    List<double[]> pts = new ArrayList<>();
                    for (int k = 2; k < f.length; k++) {
                        if (f[k].equals("-") || f[k].isEmpty()) {
                            pts.add(null);
                        } else if (f[k].contains(":")) {
                            String[] xy = f[k].split(":");
                            pts.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
                        } else {
                            pts.add(new double[] {k - 2, Double.parseDouble(f[k])});
                        }
                    }
                    series.add(new Series(f[1], pts));
                }
                default -> { }
            }
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        boolean bar = type.equals("bar");
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymin = Double.MAX_VALUE, ymax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points) {
                if (p == null || (logy && p[1] <= 0)) continue;
                xmin = Math.min(xmin, p[0]); xmax = Math.max(xmax, p[0]);
                ymin = Math.min(ymin, p[1]); ymax = Math.max(ymax, p[1]);
            }
        }
        if (ymax < ymin) { ymin = 0; ymax = 1; }
        if (bar) { xmin = -0.5; xmax = categories.size() - 0.5; }
        if (xmax <= xmin) { xmax = xmin + 1; }
        if (!logy) { ymin = 0; ymax = niceCeil(ymax * 1.1); }
        else { ymin = Math.pow(10, Math.floor(Math.log10(ymin))); ymax = Math.pow(10, Math.ceil(Math.log10(ymax * 1.01))); }
        final double fxmin = xmin, fxmax = xmax, fymin = ymin, fymax = ymax;
        final boolean flog = logy;
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator sx = x -> LEFT + (x - fxmin) / (fxmax - fxmin) * pw;
        java.util.function.DoubleUnaryOperator sy = y -> flog
                ? TOP + ph - (Math.log10(y) - Math.log10(fymin)) / (Math.log10(fymax) - Math.log10(fymin)) * ph
                : TOP + ph - (y - fymin) / (fymax - fymin) * ph;

        // grid and y ticks
        g.setColor(new Color(0xdddddd));
        List<Double> yticks = new ArrayList<>();
        if (logy) { for (double y = ymin; y <= ymax * 1.0001; y *= 10) yticks.add(y); }
        else { for (int k = 0; k <= 5; k++) yticks.add(ymin + (ymax - ymin) * k / 5); }
        for (double y : yticks) {
            int py = (int) sy.applyAsDouble(y);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.BLACK);
            String label = label(y);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        // x ticks
        if (bar) {
            for (int k = 0; k < categories.size(); k++) {
                String c = categories.get(k);
                int px = (int) sx.applyAsDouble(k);
                g.drawString(c, px - g.getFontMetrics().stringWidth(c) / 2, TOP + ph + 18);
            }
        } else {
            List<Double> xs = new ArrayList<>();
            for (Series s : series) for (double[] p : s.points) if (p != null && !xs.contains(p[0])) xs.add(p[0]);
            for (double x : xs) {
                int px = (int) sx.applyAsDouble(x);
                String l = label(x);
                g.drawString(l, px - g.getFontMetrics().stringWidth(l) / 2, TOP + ph + 18);
            }
        }
        g.drawString(xlabel, LEFT + pw / 2 - g.getFontMetrics().stringWidth(xlabel) / 2, H - 25);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(ylabel, -(TOP + ph / 2) - g.getFontMetrics().stringWidth(ylabel) / 2, 22);
        gy.dispose();

        // data
        int n = series.size();
        // Series named "<server> <percentile>" share their server's colour; all but the last percentile are dashed.
        List<String> groups = new ArrayList<>();
        for (Series s : series) {
            String group = s.name.split(" ")[0];
            if (!groups.contains(group)) groups.add(group);
        }
        for (int si = 0; si < n; si++) {
            Series s = series.get(si);
            String group = s.name.split(" ")[0];
            boolean dashed = s.name.contains(" ") && si + 1 < n && series.get(si + 1).name.startsWith(group + " ");
            Color col = COLORS[groups.indexOf(group) % COLORS.length];
            g.setColor(col);
            if (bar) {
                double slot = (double) pw / categories.size();
                int bw = (int) (slot * 0.8 / n);
                for (double[] p : s.points) {
                    if (p == null) continue;
                    int px = (int) (sx.applyAsDouble(p[0]) - slot * 0.4 + si * bw);
                    int py = (int) sy.applyAsDouble(Math.max(p[1], logy ? ymin : 0));
                    g.fillRect(px, py, bw - 2, TOP + ph - py);
                    String l = label(p[1]);
                    g.setColor(Color.BLACK);
                    g.drawString(l, px + (bw - 2) / 2 - g.getFontMetrics().stringWidth(l) / 2, py - 4);
                    g.setColor(col);
                }
            } else {
                g.setStroke(dashed
                        ? new BasicStroke(2.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f)
                        : new BasicStroke(2.2f));
                double[] prev = null;
                for (double[] p : s.points) {
                    if (p == null || (logy && p[1] <= 0)) { prev = null; continue; }
                    int px = (int) sx.applyAsDouble(p[0]), py = (int) sy.applyAsDouble(p[1]);
                    g.fillOval(px - 4, py - 4, 8, 8);
                    if (prev != null) g.drawLine((int) sx.applyAsDouble(prev[0]), (int) sy.applyAsDouble(prev[1]), px, py);
                    prev = p;
                }
            }
            if (bar) {
                g.fillRect(W - RIGHT + 15, TOP + 10 + si * 22, 14, 14);
            } else {
                g.drawLine(W - RIGHT + 10, TOP + 17 + si * 22, W - RIGHT + 30, TOP + 17 + si * 22);
            }
            g.setColor(Color.BLACK);
            g.drawString(s.name, W - RIGHT + 35, TOP + 22 + si * 22);
        }
        g.dispose();
        ImageIO.write(img, "png", out);
    }

    private static double niceCeil(double v) {
        if (v <= 0) return 1;
        double m = Math.pow(10, Math.floor(Math.log10(v)));
        for (double k : new double[] {1, 2, 2.5, 5, 10}) if (k * m >= v) return k * m;
        return 10 * m;
    }

    private static String label(double v) {
        if (v == 0) return "0";
        if (Math.abs(v) >= 10000) return String.format("%.0fk", v / 1000);
        if (Math.abs(v) >= 100) return String.format("%.0f", v);
        if (Math.abs(v) >= 1) return String.format("%.1f", v).replaceAll("\\.0$", "");
        return String.format("%.2f", v);
    }
}
