"""Label Studio as the coders' user interface: server, configs, push, pull and review.

Modules, in the order a project uses them:

- :mod:`~coder.studio.settings`: where the server is and its admin credentials (from the
  environment or ``PROJECT/.studio/config.json``, mode 0600; never printed);
- :mod:`~coder.studio.server`: install, start, stop and check a local server;
- :mod:`~coder.studio.client`: the admin connection, retries, coder accounts;
- :mod:`~coder.studio.config`: labelling configs generated from the codebook;
- :mod:`~coder.studio.sample`: stratified samples with a reliability overlap;
- :mod:`~coder.studio.rounds`: rounds, assignments and the task <-> item mapping in the store;
- :mod:`~coder.studio.push` and :mod:`~coder.studio.pull`: tasks out, codings in; rounds
  closed;
- :mod:`~coder.studio.review`: model suggestions out, reviewers' decisions in;
- :mod:`~coder.studio.accounts`: coders' logins and progress;
- :mod:`coder.studio.ls_side`: what runs inside Label Studio (its settings, the policy that
  keeps each person to their own desk and coders to coding, and the script that makes
  accounts and desks in its database).

The example's round trip through a real server is :mod:`coder.demo.studio`, a floor up.

The open-source edition has no task assignment and assumes one organization: coder gives each
person an organization of their own (a *desk*) holding their own Label Studio project per view,
and runs the server with a policy that keeps them there (see ``docs/labelstudio.md``). Nothing
here imports the CLI, and the Label Studio SDK is imported lazily.
"""
