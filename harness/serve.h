/* serve.h - `xsim serve`: each simulated site on real sockets (docs/serve.md). */
#ifndef XS_SERVE_H
#define XS_SERVE_H

/* argv[0] is "serve".  Returns the process exit code. */
int xs_serve_main(int argc, char **argv);

#endif /* XS_SERVE_H */
