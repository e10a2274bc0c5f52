"""Browser-side widgets for the cnndemo Gradio app (see webui.drawpad)."""
