# Thin entry points; the work is in scripts/.
.PHONY: run test setup models frontend bench

run:        ## install what is missing, build, start PostgreSQL and `recognizer up`
	scripts/run.sh

test:       ## install what is missing, start PostgreSQL + an S3 server, run every test
	scripts/test.sh

setup:      ## only install the tools and libraries
	scripts/setup.sh --test

models:     ## fetch, verify and convert the models into the cache
	. scripts/env.sh && cargo run -q -p recognizer -- models fetch

frontend:   ## build the web UI into frontend/dist
	scripts/build-frontend.sh
