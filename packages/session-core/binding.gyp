{
  "targets": [
    {
      "target_name": "robust_mutex",
      "sources": ["native/robust-mutex.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
