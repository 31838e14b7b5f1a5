"""Bar charts drawn on the server as inline SVG: numbers in, markup out (no JavaScript, no CDN).

Pure functions: the caller hands over the values, the translated words and the limit; every
text is escaped by `Markup.format`. The SVG scales with its viewBox (width 100%), so a chart
fits a 390 px phone as well as a desktop. Colours are presentation attributes, not inline
styles, which the Content-Security-Policy (style-src 'self') would block.
"""
from markupsafe import Markup

WIDTH, HEIGHT = 440, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 14, 22
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
GRID_LINES = 4
BAR_FILL = 0.8  # share of a bar's slot the bar takes
# Okabe-Ito colours: told apart with the common colour-vision deficiencies too.
SERIES_COLOURS = {"web": "#0072b2", "api": "#e69f00", "mobile": "#009e73"}
OTHER_COLOUR = "#7f7f7f"
LIMIT_COLOUR, GRID_COLOUR, AXIS_COLOUR = "#d64545", "#e1e6ec", "#6b7785"


def _number(value):
    """A coordinate with at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _steps():
    """1, 2, 5, 10, 20, 50, ...: the gridline steps a person reads at a glance."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            yield multiple * magnitude
        magnitude *= 10


def nice_scale(peak, lines=GRID_LINES):
    """(top, step) of a y axis showing 0..`peak` with at most `lines` gridlines above zero."""
    step = next(step for step in _steps() if step * lines >= peak)
    return max(1, -(-peak // step)) * step, step


def axis_label(value):
    """A gridline's number, short enough for the margin: 900, 5000, 20k, 1.5M."""
    if value >= 1_000_000 and value % 100_000 == 0:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000 and value % 1_000 == 0:
        return f"{value // 1_000}k"
    return str(value)


def colour_of(key):
    return SERIES_COLOURS.get(key, OTHER_COLOUR)


def _y(value, top):
    return TOP + PLOT_HEIGHT * (1 - value / top)


def _grid(top, step):
    parts = []
    for value in range(0, top + 1, step):
        y = _y(value, top)
        parts.append(Markup('<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
                            '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>').format(
            LEFT, _number(y), WIDTH - RIGHT, _number(y), GRID_COLOUR, LEFT - 4, _number(y + 3.5), axis_label(value)))
    return parts


def _bar(index, slot, values, series, top, tip):
    """One stacked bar (a <g> of rects, bottom up in the series' order), with its tooltip."""
    x, width = LEFT + index * slot + slot * (1 - BAR_FILL) / 2, slot * BAR_FILL
    parts = [Markup("<g><title>{}</title>").format(tip) if tip else Markup("<g>")]
    base = 0
    for key, _label in series:
        value = values.get(key, 0)
        if value <= 0:
            continue
        parts.append(Markup('<rect class="chart-bar" data-series="{}" x="{}" y="{}" width="{}" height="{}" '
                            'fill="{}"/>').format(key, _number(x), _number(_y(base + value, top)), _number(width),
                                                  _number(PLOT_HEIGHT * value / top), colour_of(key)))
        base += value
    parts.append(Markup("</g>"))
    return parts


def _tip(label, values, series):
    total = sum(values.get(key, 0) for key, _name in series)
    split = ", ".join(f"{name} {values.get(key, 0)}" for key, name in series)
    return f"{label}: {total} ({split})"


def _limit_line(limit, label, top):
    y = _y(limit, top)
    label_y = y - 4 if y - 4 > TOP + 8 else y + 12  # under the line when it runs along the top
    return [Markup('<line class="chart-limit" data-limit="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                   'stroke-width="1.5" stroke-dasharray="6 4"/>'
                   '<text class="chart-limit-label" x="{}" y="{}" text-anchor="end" fill="{}">{}</text>').format(
        limit, LEFT, _number(y), WIDTH - RIGHT, _number(y), LIMIT_COLOUR, WIDTH - RIGHT, _number(label_y),
        LIMIT_COLOUR, label)]


def _x_labels(labels, slot, centred):
    """Labels under the bars; uncentred ones start at their bar and mark it with a separator."""
    parts = []
    for index, text in labels:
        x = LEFT + index * slot + (slot / 2 if centred else 0)
        if not centred and index:
            parts.append(Markup('<line class="chart-separator" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>')
                         .format(_number(x), TOP, _number(x), TOP + PLOT_HEIGHT, GRID_COLOUR))
        parts.append(Markup('<text class="chart-axis" x="{}" y="{}" text-anchor="{}">{}</text>').format(
            _number(x), HEIGHT - 6, "middle" if centred else "start", text))
    return parts


def bar_chart(bars, series, title, limit=None, limit_label="", x_labels=(), tips=None, centred=True):
    """An SVG bar chart of `bars` (each a {series key: value}), stacked in `series` order ((key, label) pairs).

    `limit` draws a dashed line labelled `limit_label` (the y axis reaches max(data, limit));
    `x_labels` are (bar index, text); `tips` a tooltip text per bar; `title` names the chart
    for screen readers (aria-label and <title>).
    """
    keys = [key for key, _label in series]
    peak = max((sum(bar.get(key, 0) for key in keys) for bar in bars), default=0)
    top, step = nice_scale(max(peak, limit or 0))
    slot = PLOT_WIDTH / max(len(bars), 1)
    parts = [Markup('<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
                    'role="img" aria-label="{}" font-size="11" fill="{}"><title>{}</title>').format(
        WIDTH, HEIGHT, title, AXIS_COLOUR, title)]
    parts += _grid(top, step)
    for index, values in enumerate(bars):
        if any(values.get(key, 0) > 0 for key in keys):
            parts += _bar(index, slot, values, series, top, _tip(tips[index], values, series) if tips else None)
    parts += _x_labels(x_labels, slot, centred)
    if limit is not None:
        parts += _limit_line(limit, limit_label, top)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def legend(series, limit_label=None):
    """The colour key of a chart's series (and of its limit line) as an HTML list."""
    items = [Markup('<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/>'
                    "</svg>{}</li>").format(colour_of(key), label) for key, label in series]
    if limit_label:
        items.append(Markup('<li><svg width="24" height="12" aria-hidden="true"><line x1="0" y1="6" x2="24" y2="6" '
                            'stroke="{}" stroke-width="2" stroke-dasharray="5 3"/></svg>{}</li>').format(
            LIMIT_COLOUR, limit_label))
    return Markup('<ul class="chart-legend">{}</ul>').format(Markup("").join(items))
