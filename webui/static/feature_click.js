// Clicks and taps on the feature maps pick a cell (webui/explain_panel.py). Gradio turns a
// click on an image into pixel coordinates assuming the image is never shown larger than it
// is, but the feature maps are enlarged to fill their box (app.css). So a real click on
// them is turned into the click Gradio expects for the same pixel of the picture.
() => {
  document.addEventListener('click', (event) => {
    const img = event.target instanceof Element && event.target.closest('#feature-map img');
    if (!img || !event.isTrusted || !img.naturalWidth) return;
    const box = img.getBoundingClientRect();
    const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
    if (scale <= 1) return;  // not enlarged: Gradio's own arithmetic is right
    const x = (event.clientX - box.left - (box.width - img.naturalWidth * scale) / 2) / scale;
    const y = (event.clientY - box.top - (box.height - img.naturalHeight * scale) / 2) / scale;
    event.stopImmediatePropagation();
    event.preventDefault();
    if (x < 0 || y < 0 || x >= img.naturalWidth || y >= img.naturalHeight) return;  // the margin around it
    img.dispatchEvent(new MouseEvent('click', {
      bubbles: true, cancelable: true, view: window,
      clientX: box.left + (box.width - img.naturalWidth) / 2 + Math.floor(x) + 0.25,
      clientY: box.top + (box.height - img.naturalHeight) / 2 + Math.floor(y) + 0.25,
    }));
  }, { capture: true });
  return [];
}
