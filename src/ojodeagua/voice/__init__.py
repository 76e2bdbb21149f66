"""The users' voice: each locality's water in public, rights in plain words, public complaints."""
