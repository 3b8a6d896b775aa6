/* An empty program: the wall time of its process is pure startup and exit. */
int main(void) { return 0; }
