"""HTTP blueprints: the JSON API and the HTML dashboard."""
