// Preloaded (LD_PRELOAD) into a test process to make races between a mutex unlock and what the
// unlocking thread does next likely instead of rare: the process's main thread sleeps 20 us
// after each unlock, so a thread waiting for the mutex runs in between. It found the drift of
// TransactionalPartition's old queued counters, which a plain run never showed.
#include <dlfcn.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  using Unlock = int (*)(pthread_mutex_t*);
  static const auto real = reinterpret_cast<Unlock>(dlsym(RTLD_NEXT, "pthread_mutex_unlock"));
  const int result = real(mutex);
  if (syscall(SYS_gettid) == getpid()) usleep(20);
  return result;
}
