"""Early-warning alerts for a district: pure rules (`rules`), the stored record of since when
each alert has been open (`models`), and the use cases (`service`)."""
