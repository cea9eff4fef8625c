"""Console pages for accounts (`/app/…`), the invitation link and the public brand logo."""
