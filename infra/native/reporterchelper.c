/*
 * The builder's progress reporter loads <java.home>/lib/svm/builder/lib/libreporterchelper.so for
 * two numbers (terminal width, peak RSS); GraalVM distributions ship it, the Maven artifacts do not.
 */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

JNIEXPORT jint JNICALL
Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass c) {
  struct winsize w;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) {
    return w.ws_col;
  }
  return 0;
}

JNIEXPORT jlong JNICALL
Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass c) {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) == 0) {
    return (jlong) u.ru_maxrss * 1024; /* Linux reports KiB */
  }
  return -1;
}
