"""The site's own pages: the landing page, the dashboard, the sitemap, health and robots."""
