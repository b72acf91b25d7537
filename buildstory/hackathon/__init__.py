"""The hackathon loop: submissions, showcase, peer review, judging and results
(docs/rules.md "Hackathon")."""
