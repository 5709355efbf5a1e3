"""Forms: what a page shows and what it sends back. The rules of the product are checked
by the services, whatever the form says; one module per part of the product."""
