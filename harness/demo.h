/* demo.h - the core demonstration run by `xsim demo` and `./run`. */
#ifndef XS_DEMO_H
#define XS_DEMO_H

int xs_demo_main(int argc, char **argv);

#endif /* XS_DEMO_H */
