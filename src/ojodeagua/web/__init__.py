"""The site shell: sign-in, each role's home page, base templates, styles and language switch."""
