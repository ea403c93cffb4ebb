"""Label Studio as the coders' user interface: server, configs, push, pull and review.

Modules, in the order a project uses them:

- :mod:`~coder.labelstudio.settings`: where the server is and its admin credentials (from the
  environment or ``PROJECT/.studio/config.json``, mode 0600; never printed);
- :mod:`~coder.labelstudio.server`: install, start, stop and check a local server;
- :mod:`~coder.labelstudio.client`: the admin connection, retries, coder accounts;
- :mod:`~coder.labelstudio.config`: labelling configs generated from the codebook;
- :mod:`~coder.labelstudio.sample`: stratified samples with a reliability overlap;
- :mod:`~coder.labelstudio.rounds`: rounds, assignments and the task <-> item mapping in the store;
- :mod:`~coder.labelstudio.push` and :mod:`~coder.labelstudio.pull`: tasks out, codings in;
- :mod:`~coder.labelstudio.review`: model suggestions out, reviewers' decisions in;
- :mod:`~coder.labelstudio.demo`: the example's round trip through a real server.

The open-source edition has no task assignment: coder gives each coder their own Label Studio
project per view (see ``docs/labelstudio.md``). Nothing here imports the CLI, and the Label
Studio SDK is imported lazily.
"""
