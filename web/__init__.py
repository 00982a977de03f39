"""The web app: Gradio chat, report browser, staff upload, and the JSON API on one FastAPI server."""
