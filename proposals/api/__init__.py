"""The read-only JSON API (/api/): Django REST framework, documented by drf-spectacular.

It shows what the public pages show and nothing more: published proposals only, whoever asks (no
authentication at all), the same filters and codes as /proposals/ and the CSV files.
"""
