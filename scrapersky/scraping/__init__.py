"""Scraping: fetching (HTTP, SSRF guard, robots), crawling (frontier) and email extraction."""
