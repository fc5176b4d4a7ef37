"""Schedulers: the polling job that claims and runs pending scans."""
