"""Paint what the user just did at once, not at the next tick of the screen's update timer.

Textual paints at most 60 times a second: a change waits for the next tick of the screen's timer
(on average 8 ms, up to 17), and then for whatever else is due in that frame. For the two things a
user waits on most — a key's echo in the composer and a page of the transcript — the frame is
made right away. Textual 8 internals (pinned in pyproject).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget


def paint_widget_now(widget: Widget) -> None:
    """Paint `widget`'s own region now, from the layout on screen, without whatever else is due
    (a layout of the growing transcript costs 10–60 ms). When the widget itself must grow (a new
    line in the box), the tick does it as usual."""
    screen = widget.screen
    app = widget.app
    if app._batch_count or not screen.is_current or widget._layout_required or not widget._repaint_required:
        return
    compositor = screen._compositor
    if widget not in compositor.visible_widgets:
        return
    widget._repaint_required = False
    compositor.update_widgets({widget})
    app._display(screen, compositor.render_update(screen_stack=app._background_screens))


def paint_scroll_now(widget: Widget) -> None:
    """`widget` (a scrolling container) just moved its view: lay out what the view now shows and
    paint it now (what the tick would do for this scroll, and whatever else was due with it)."""
    screen = widget.screen
    if widget.app._batch_count or not screen.is_current:
        return
    screen._scroll_required = True
    screen._on_timer_update()
