"""The web pages: server-rendered HTML for depot managers, coordinators, procurement and
auditors, in Chinese and English. Mounted under `/web` by `api.web.app.install`."""
