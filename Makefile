# The two commands of the README: `make demo` starts a local sandbox pair with core-sync (bidirectional) and the
# web dashboard between them, with writes on both sides; `make test` runs every check CI runs. Both install what
# they need first.
.PHONY: install oracle-mysql demo test build start lint format bench clean

install:
	npm ci

demo: install
	npm run demo

# The Oracle MySQL servers of the tests run from a Debian sid chroot (.ci/oracle-mysql says how, and how to skip it).
oracle-mysql:
	bash .ci/oracle-mysql

test: install oracle-mysql
	npm test

build: install
	npm run build

start: build
	npm start

lint:
	npm run lint

format:
	npm run format

bench: install
	npm run bench

clean:
	rm -rf node_modules services/*/node_modules services/*/dist .demo
