"""Still images: zoom and pan, every heat map as an overlay with opacity, located regions, side by side."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene,
                               QGraphicsSimpleTextItem, QGraphicsView, QHBoxLayout, QLabel, QPushButton, QSlider,
                               QSplitter, QVBoxLayout)

from ..background import run_in_background
from ..qt_images import heat_image, rgb_image
from .base import Viewer, layers_with

DISPLAY_MAX_SIDE = 2400
SPATIAL_KINDS = ("heat", "mask")


class ZoomView(QGraphicsView):
    """A graphics view that zooms with the wheel (around the cursor) and pans by dragging."""

    def __init__(self, scene: QGraphicsScene, parent=None):
        super().__init__(scene, parent)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QBrush(QColor("#202020")))

    def wheelEvent(self, event) -> None:
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.scale(factor, factor)

    def fit(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)


def draw_regions(scene: QGraphicsScene, regions, scale: float = 1.0) -> list:
    """Boxes with a label and score, red for suspicious (>= 0.5), green otherwise."""
    items = []
    for region in regions:
        x, y, w, h = (v * scale for v in region.box)
        colour = QColor("#ff3b30" if region.score >= 0.5 else "#34c759")
        rect = QGraphicsRectItem(QRectF(x, y, w, h))
        rect.setPen(QPen(colour, max(2.0, 2.0 * scale)))
        label = QGraphicsSimpleTextItem(f"{region.label} {region.score:.2f}".strip())
        label.setBrush(QBrush(colour))
        label.setFlag(QGraphicsSimpleTextItem.GraphicsItemFlag.ItemIgnoresTransformations)  # readable at any zoom
        label.setPos(x, max(0.0, y - 2))
        for item in (rect, label):
            item.setZValue(10)
            scene.addItem(item)
            items.append(item)
    return items


class ImageViewer(Viewer):
    title = "Image"

    @classmethod
    def applies(cls, result) -> bool:
        return result.error is None and result.evidence.modality == "image"

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        self.maps = [(layer.name, key, heat) for layer in layers_with(result, lambda l: l.maps)
                     for key, heat in layer.maps.items()]
        self.regions = [r for layer in layers_with(result, lambda l: l.regions) for r in layer.regions
                        if r.box[2] > 0 and r.time is None]
        self.layers = tuple(sorted({name for name, _, _ in self.maps}))
        self.scene, self.side_scene = QGraphicsScene(self), QGraphicsScene(self)
        self.view, self.side_view = ZoomView(self.scene), ZoomView(self.side_scene)
        self.view.setObjectName("image-view")
        self.side_view.setVisible(False)
        self.view.horizontalScrollBar().valueChanged.connect(self.side_view.horizontalScrollBar().setValue)
        self.view.verticalScrollBar().valueChanged.connect(self.side_view.verticalScrollBar().setValue)
        self.picture = QGraphicsPixmapItem()
        self.overlay = QGraphicsPixmapItem()
        self.overlay.setZValue(5)
        self.side_picture, self.side_overlay = QGraphicsPixmapItem(), QGraphicsPixmapItem()
        self.side_overlay.setZValue(5)
        for item in (self.picture, self.overlay):
            self.scene.addItem(item)
        for item in (self.side_picture, self.side_overlay):
            self.side_scene.addItem(item)
        self.region_items: list = []
        self.overlay_choice = QComboBox()
        self.overlay_choice.setObjectName("overlay-choice")
        self.overlay_choice.addItem("no overlay", None)
        for index, (layer, key, heat) in enumerate(self.maps):
            self.overlay_choice.addItem(f"{layer}: {heat.label or key}", index)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(60)
        self.show_regions = QCheckBox(f"regions ({len(self.regions)})")
        self.show_regions.setChecked(True)
        self.side_by_side = QCheckBox("side by side")
        fit, actual = QPushButton("Fit"), QPushButton("1:1")
        self.status = QLabel("loading the image…")
        controls = QHBoxLayout()
        for widget in (QLabel("Overlay"), self.overlay_choice, QLabel("opacity"), self.opacity, self.show_regions,
                       self.side_by_side, fit, actual, self.status):
            controls.addWidget(widget)
        controls.addStretch(1)
        views = QSplitter()
        views.addWidget(self.view)
        views.addWidget(self.side_view)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(views, 1)
        self.overlay_choice.setCurrentIndex(_most_telling_map(result, self.maps) + 1)
        self.overlay_choice.currentIndexChanged.connect(self._show_overlay)
        self.opacity.valueChanged.connect(self._show_overlay)
        self.show_regions.toggled.connect(self._show_regions)
        self.side_by_side.toggled.connect(self._show_overlay)
        fit.clicked.connect(self._fit)
        actual.clicked.connect(self._actual_size)
        self.scale = 1.0
        run_in_background(lambda: _load_picture(result.evidence.path), self._loaded, self)

    def _loaded(self, loaded, error) -> None:
        if error is not None:
            self.status.setText(f"cannot show the image: {error}")
            return
        rgb, self.scale = loaded
        pixmap = QPixmap.fromImage(rgb_image(rgb))
        self.picture.setPixmap(pixmap)
        self.side_picture.setPixmap(pixmap)
        self.scene.setSceneRect(QRectF(pixmap.rect()))
        self.side_scene.setSceneRect(QRectF(pixmap.rect()))
        self.status.setText(f"{self.result.media.get('width')}x{self.result.media.get('height')} px"
                            + (f", shown at {self.scale:.2f}x" if self.scale < 1 else ""))
        self._show_overlay()
        self._show_regions(self.show_regions.isChecked())
        self._fit()

    def _show_overlay(self, *_) -> None:
        index = self.overlay_choice.currentData()
        side = self.side_by_side.isChecked()
        self.side_view.setVisible(side)
        self.overlay.setVisible(False)
        self.side_overlay.setVisible(False)
        if index is None or self.picture.pixmap().isNull():
            return
        _, _, heat = self.maps[index]
        spatial = heat.kind in SPATIAL_KINDS
        pixmap = QPixmap.fromImage(heat_image(heat.values, "inferno" if spatial else "viridis"))
        size = self.picture.pixmap().size()
        if spatial:
            pixmap = pixmap.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
        target = self.side_overlay if side or not spatial else self.overlay
        target.setPixmap(pixmap)
        target.setOpacity(self.opacity.value() / 100 if spatial else 1.0)
        target.setVisible(True)
        if not spatial:  # a spectrum is not aligned with the picture: shown next to it, not on it
            self.side_view.setVisible(True)

    def _show_regions(self, visible: bool) -> None:
        for item in self.region_items:
            self.scene.removeItem(item)
        self.region_items = draw_regions(self.scene, self.regions, self.scale) if visible else []

    def _fit(self) -> None:
        self.view.fit()
        self.side_view.setTransform(self.view.transform())

    def _actual_size(self) -> None:
        self.view.resetTransform()
        self.side_view.resetTransform()


def _most_telling_map(result, maps) -> int:
    """Index of the first spatial map of the layer that pushed the verdict furthest towards fake (-1: none)."""
    pushes = {c.layer: c.log_odds for c in result.fusion.contributions} if result.fusion else {}
    spatial = [(pushes.get(layer, 0.0), -index) for index, (layer, _, heat) in enumerate(maps) if heat.kind in SPATIAL_KINDS]
    if not spatial or max(spatial)[0] <= 0:
        return -1
    return -max(spatial)[1]


def _load_picture(path: str):
    """The picture as RGB for display, shrunk so its longer side is at most DISPLAY_MAX_SIDE (and the scale)."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        image.draft("RGB", (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
        scale = min(1.0, DISPLAY_MAX_SIDE / max(image.size))
        full = image.size
        picture = image.convert("RGB")
        if max(picture.size) > DISPLAY_MAX_SIDE:
            picture.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
        return np.asarray(picture, dtype=np.uint8), picture.size[0] / full[0] if scale < 1 else 1.0
