"""The Graph view (Ctrl+3): tasks as nodes, dependencies as arrows, upstream on the left.

The graph is read and laid out on a pool thread (`graph.data`, `graph.layout`); this view
only shows it. Engine events recolour nodes in place; task changes (ours, the engine's or
another process's) re-read it after a short quiet spell, keeping the zoom and position.
A view that is hidden only notes that it is stale and re-reads when shown.

Adding a dependency: drag from one task to another (app/gui/graph/adding.py: the second
waits for the first; a cycle is refused, named in the banner; Ctrl+Z takes it back).
By keyboard: a task's menu (the Menu key or Shift+F10) has "Add dependency…", which asks
for the task's name, and "Remove dependency …" for each of its arrows.
Removing one: click its arrow (it highlights) and press Del, or right-click it; the
question names both tasks, as deleting a task asks, and the change goes through the
service like the editor's. A refusal (the arrow changed meanwhile) shows in the banner, as
a refused edge does, and the graph is read again. A task's fallback is a dotted arrow to it
("falls back to"), set in the failing task's editor, not by Del.

Signals:
    open_task_requested(int): edit this task.
    message(str): something to say in the status bar.
    selection_changed(): another node (or none) is selected; the task actions follow it.
"""

from __future__ import annotations

from functools import partial

from app.core.task import Task
from app.engine.events import RunChanged
from app.gui.background import Background, describe_error
from app.gui.graph.adding import Adding
from app.gui.graph.canvas import GraphCanvas
from app.gui.graph.data import (
    Filter,
    GraphData,
    RunState,
    graph_of,
    read_rows,
    remove_dependency,
)
from app.gui.graph.drawing import Drawing, build
from app.gui.graph.filtering import Filtering
from app.gui.qt import (
    QComboBox,
    QHBoxLayout,
    QHideEvent,
    QLabel,
    QMenu,
    QPalette,
    QPoint,
    QShowEvent,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.session import Session
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.paging import Throttle
from app.gui.widgets.question import Confirm, ask
from app.service import Service

# the graph read, laid out and drawn off the GUI thread: the data, its drawing and its tasks'
# ids by name — or, read alike the graph drawn, the runs of its tasks whose runs changed
Loaded = tuple[GraphData, Drawing, dict[str, int]] | dict[int, RunState]
HINT = ("Solid arrow: waits for · dashed: runs after · dotted: falls back to (runs when the first "
        "fails) · drag from one task to another to make the second wait for the first (Ctrl+Z "
        "undoes it) · click an "
        "arrow and press Del to remove it · arrow keys select a task · double-click it or press "
        "Enter to edit it · the Menu key opens its menu (add or remove a dependency) · wheel "
        "to zoom, drag the background (or, with the middle button, anywhere) to pan")


class GraphView(QWidget):
    open_task_requested = Signal(int)
    message = Signal(str)
    selection_changed = Signal()

    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GraphView")
        self.service = service
        self.background = background
        self.data: GraphData | None = None
        self.loaded = False
        self._stale = True
        self.loading = False
        self._again = False
        self._shown_filter = Filter()
        self._laying = 0  # layouts of the graph read, on their way
        self.confirm: Confirm = ask(self)

        self.filtering = Filtering(background, service, self)
        self.scope = self.filtering.scope
        self.task = self.filtering.task
        self.unconnected = self.filtering.unconnected
        self.fit_button = self._tool("Fit", "Show the whole graph (F)", "F")
        self.zoom_in = self._tool("+", "Zoom in (+)", "+")
        self.zoom_out = self._tool("−", "Zoom out (−)", "-")
        self.count = QLabel()
        # narrow windows: the scope elides, the name keeps room for a name; the unconnected
        # switch and the count sit with the hint below
        self.scope.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(8)
        self.task.setMinimumWidth(self.task.fontMetrics().horizontalAdvance("M") * 10)
        bar = QHBoxLayout()
        show = QLabel("&Show")
        show.setBuddy(self.scope)
        bar.addWidget(show)
        bar.addWidget(self.scope, 1)
        bar.addWidget(self.task, 2)
        for button in (self.zoom_out, self.zoom_in, self.fit_button):
            bar.addWidget(button)
        self.banner = ErrorLabel()
        self.banner.setObjectName("GraphBanner")
        self.canvas = GraphCanvas()
        self.hint = QLabel(HINT)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.canvas, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.hint, 1)
        side = QVBoxLayout()
        side.addWidget(self.unconnected)
        side.addWidget(self.count, 0, Qt.AlignmentFlag.AlignRight)
        side.addStretch(1)
        foot.addLayout(side)
        layout.addLayout(foot)

        self._reload_soon = Throttle(400, self.reload, self)
        self.filtering.changed.connect(self._on_filter_changed)
        self.fit_button.clicked.connect(self.canvas.fit)
        self.zoom_in.clicked.connect(lambda: self.canvas.zoom_by(1.25))
        self.zoom_out.clicked.connect(lambda: self.canvas.zoom_by(0.8))
        self.adding = Adding(self, service, background, self.banner, self.message.emit,
                             self._reload_soon.poke, self._names)
        self.canvas.edge_requested.connect(self.adding.add)
        self.canvas.open_requested.connect(self.open_task_requested)
        self.canvas.context_requested.connect(self._on_canvas_context_requested)
        self.canvas.selection_changed.connect(self._on_canvas_selection_changed)
        self.canvas.edge_remove_requested.connect(self.ask_remove_dependency)
        self.canvas.edge_context_requested.connect(self._on_canvas_edge_context_requested)

    def picked_tasks(self) -> list[tuple[int, Task | None]]:
        """The selected node's task, for the task actions."""
        node = self.canvas.selected
        return [(node, None)] if node >= 0 else []

    def _tool(self, text: str, tip: str, key: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setShortcut(key)
        button.setAutoRaise(False)
        button.setMinimumWidth(32)
        return button

    # -- loading ---------------------------------------------------------------------------

    def filter(self) -> Filter:
        return self.filtering.filter()

    def reload(self) -> None:
        """Re-read the graph off the GUI thread and show it (keeping the view if shown)."""
        if self.loading:
            self._again = True
            return
        self.loading = True
        self._stale = False
        flt = self.filter()
        aspect = max(0.5, self.canvas.width() / max(1, self.canvas.height()))
        service = self.service
        shown, shown_filter, drawing = self.data, self._shown_filter, self.canvas.drawing

        def work() -> Loaded:
            rows = read_rows(service)
            if (shown is not None and shown_filter.shape() == flt.shape()
                    and shown.drawn_alike(rows)):
                return shown.runs_read(rows)  # only runs changed: no new graph
            data = graph_of(rows)
            laid, edges = data.laid_out(flt, aspect)
            return data, build(data, laid, edges), data.ids_by_name()

        self.background.run(work, lambda result: self._on_loaded(flt, shown, drawing, result),
                            self._on_load_failed, owner=self, title="Cannot read the graph")

    def _on_loaded(self, flt: Filter, compared: GraphData | None, drawn: Drawing,
                   result: Loaded) -> None:
        self.loading = False
        if isinstance(result, dict):  # runs, as read, of the graph shown (drawn alike)
            if result and compared is self.data and compared is not None:
                compared.set_runs(result)
                self.canvas.restatus(result)
            self._again |= self.canvas.drawing is not drawn  # (drawn anew meanwhile)
        else:
            data, drawing, ids = result
            self.data = data
            keep = self.loaded
            self.loaded = True
            self._shown_filter = flt
            self.filtering.set_tasks(ids)
            self.canvas.set_drawing(data, drawing, keep_view=keep)
            self._show_count(drawing)
        if self._again:
            self._again = False
            self.reload()

    def _on_load_failed(self, error: BaseException) -> None:
        self.loading = False
        self.background.report("Cannot read the dependency graph", error)

    def _relayout(self) -> None:
        """Apply the filter to the graph already read (off the GUI thread)."""
        data = self.data
        if data is None:
            self.reload()
            return
        flt = self.filter()
        if not (self._laying or self.loading) and flt.shape() == self._shown_filter.shape():
            self._shown_filter = flt  # drawn so already: only found (100,000 tasks laid out
            self._find(flt)  # again took the GUI thread 0.4-1 s to show them)
            return
        aspect = max(0.5, self.canvas.width() / max(1, self.canvas.height()))
        self._laying += 1

        def done(drawing: Drawing) -> None:
            self._laying -= 1
            self._shown_filter = flt
            self.canvas.set_drawing(data, drawing, keep_view=False)
            self._show_count(drawing)
            self._find(flt)

        def failed(error: BaseException) -> None:
            self._laying -= 1
            self.background.report("Cannot lay out the graph", error)

        self.background.run(lambda: build(data, *data.laid_out(flt, aspect)), done, failed,
                            owner=self)

    def _show_count(self, drawing: Drawing) -> None:
        self.count.setText(drawing.counted)

    def _find(self, flt: Filter) -> None:
        """The named task selected; over the whole graph centred (a name typed did nothing),
        or said to be hidden there (it has no dependency)."""
        if flt.task_id is not None and flt.task_id in self.canvas.rects:
            (self.canvas.center_on if flt.scope == "all" else self.canvas.select)(flt.task_id)
        elif self.data is not None and flt.task_id in self.data.nodes and flt.scope == "all":
            self.banner.show_error(f"“{self.data.nodes[flt.task_id].name}” has no dependencies: "
                                   f"tick “{self.unconnected.text()}” to see it.")

    def _on_filter_changed(self) -> None:
        name = self.filtering.unknown()
        if name:
            self.banner.show_error(f"No task named “{name}”.")
            return
        self.banner.clear_error()
        self.task.setEnabled(True)
        self._relayout()

    def show_closure(self, task_id: int, scope: str = "both") -> None:
        """Show one task's upstream and/or downstream closure."""
        node = self.data.nodes.get(task_id) if self.data else None
        if node is None:
            return
        self.filtering.show(node.name, scope)

    # -- changes from elsewhere ------------------------------------------------------------

    def connect_bridge(self, session: Session) -> None:
        """Follow the engine and the store: runs recolour nodes, task changes re-read."""
        bridge = session.bridge
        bridge.service_changed.connect(self.on_changed)
        bridge.tasks_changed.connect(self.on_changed)
        bridge.runs_changed.connect(self.on_runs_changed)
        session.outside_change.connect(self.on_changed)

    def on_runs_changed(self, events: list[RunChanged]) -> None:
        if self.data is None:
            return
        changed = {e.task_id for e in events if self.data.apply_run(e.task_id, e.run_id,
                                                                    e.status)}
        if changed:
            self.canvas.restatus(changed)

    def on_changed(self, *_args: object) -> None:
        """Tasks or edges changed: re-read soon if shown, else when shown."""
        if self.isVisible():
            self._reload_soon.poke()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._reload_soon.cancel()

    # -- adding a dependency ---------------------------------------------------------------

    def _on_canvas_selection_changed(self, _node: object) -> None:
        self.banner.clear_error()  # a refused edge was said; the person has moved on
        self.selection_changed.emit()

    # -- removing one --------------------------------------------------------------------

    def _names(self, upstream: int, downstream: int) -> tuple[str, str]:
        nodes = self.data.nodes if self.data else {}
        up, down = (nodes[n].name if n in nodes else str(n) for n in (upstream, downstream))
        return up, down

    def ask_remove_dependency(self, upstream: int, downstream: int) -> None:
        """Ask, naming both tasks; then remove the arrow through the service."""
        up, down = self._names(upstream, downstream)
        kinds = {e.kind for e in self.canvas.edges if (e.upstream, e.downstream) ==
                 (upstream, downstream)}
        if kinds == {"trigger"} and sum(e.kind == "trigger" and e.downstream == downstream
                                        for e in self.canvas.edges) == 1:  # said, not asked
            self.banner.show_error(f"“{down}” runs only after “{up}”: that is its whole "
                                   "schedule; give it another in the editor to remove this")
            return
        if kinds == {"trigger"}:
            what, then = "runs after", f"“{down}” will no longer run after “{up}”."
        else:  # (where it does both, the waiting goes first: `remove_dependency`)
            what, then = "waits for", f"“{down}” will no longer wait for “{up}” to succeed."
        text = f"Remove the dependency “{down}” {what} “{up}”?\n\n{then}"
        if self.confirm("Remove dependency", text, "Remove dependency"):
            self.remove_dependency(upstream, downstream)

    def remove_dependency(self, upstream: int, downstream: int) -> None:
        service = self.service
        names = self._names(upstream, downstream)
        self.banner.clear_error()

        def done(text: str) -> None:
            if self.canvas.selected_edge == (upstream, downstream):  # (a task's menu: it stays)
                self.canvas.select_edge(None)
            self.message.emit(text)
            self._reload_soon.poke()

        def failed(error: BaseException) -> None:
            text = f"Not removed: {describe_error(error)}"
            self.banner.show_error(text)
            self.message.emit(text)
            self._reload_soon.poke()  # show the arrows as the store has them now

        self.background.run(lambda: remove_dependency(service, upstream, downstream, names),
                            done, failed, owner=self)

    def _on_canvas_edge_context_requested(self, upstream: int, downstream: int,
                                          pos: QPoint) -> None:
        up, down = self._names(upstream, downstream)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # (each kept for good before)
        menu.addAction(f"Remove dependency “{up}” → “{down}”…",
                       lambda: self.ask_remove_dependency(upstream, downstream))
        menu.addAction(f"Edit “{down}”…", lambda: self.open_task_requested.emit(downstream))
        menu.addSeparator()
        menu.addAction("Fit to view", self.canvas.fit)
        menu.popup(pos)

    def _on_canvas_context_requested(self, node: int, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # (each kept for good before)
        if node >= 0:
            menu.addAction("Edit task…", lambda: self.open_task_requested.emit(node))
            menu.addAction("Show its upstream and downstream",
                           lambda: self.show_closure(node, "both"))
            menu.addSeparator()
            menu.addAction("&Add dependency…",
                           lambda: self.adding.choose(node, self.filtering.ids))
            for up, down in sorted(k for k in self.canvas.routes.paths if node in k and
                                   self.canvas.routes.removable(k)):  # (keys: Menu key)
                menu.addAction("Remove dependency “{}” → “{}”…".format(*self._names(up, down)),
                               partial(self.ask_remove_dependency, up, down))
            menu.addSeparator()
        if self.scope.currentData() != "all":
            menu.addAction("Show the whole graph", self._show_all)
        menu.addAction("Fit to view", self.canvas.fit)
        menu.popup(pos)

    def _show_all(self) -> None:
        self.scope.setCurrentIndex(0)
