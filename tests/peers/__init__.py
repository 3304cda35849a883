"""Other projects' test suites (HIPS autograd, minitorch), ported to autograd-lite."""
