"""Label Studio as the coders' user interface: server, configs, push, pull and review.

Modules, in the order a project uses them:

- :mod:`~coder.studio.settings`: where the server is and its admin credentials (from the
  environment or ``PROJECT/.studio/config.json``, mode 0600; never printed);
- :mod:`~coder.studio.server`: install, start, stop and check a local server;
- :mod:`~coder.studio.client`: the admin connection, retries, coder accounts;
- :mod:`~coder.studio.config`: labelling configs generated from the codebook;
- :mod:`~coder.studio.sample`: stratified samples with a reliability overlap;
- :mod:`~coder.studio.rounds`: rounds, assignments and the task <-> item mapping in the store;
- :mod:`~coder.studio.push` and :mod:`~coder.studio.pull`: tasks out, codings in;
- :mod:`~coder.studio.review`: model suggestions out, reviewers' decisions in.

The example's round trip through a real server is :mod:`coder.demo.studio`, a floor up.

The open-source edition has no task assignment: coder gives each coder their own Label Studio
project per view (see ``docs/labelstudio.md``). Nothing here imports the CLI, and the Label
Studio SDK is imported lazily.
"""
