// libnvrtc.so.13, the emulated NVRTC: a program's CUDA C source is compiled for the CPU by the machine's C++ compiler
// (INRANK_CUDA_EMULATION_CXX, default g++) with include/emu_device.h forced in front, plus one generated entry per
// `__global__` kernel; the "cubin" is that shared object behind an EmuImageHeader. Options are checked as NVRTC checks
// them (an unknown one is NVRTC_ERROR_INVALID_OPTION); --fmad (default true, as in NVRTC) decides whether the compiler
// may contract a*b+c into one fused multiply-add, so float32 results round as they would on the GPU's FMA units.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../core/emu.h"
#include "image.h"

extern char** environ;

typedef int nvrtcResult;
enum : int {
    NVRTC_SUCCESS = 0,
    NVRTC_ERROR_OUT_OF_MEMORY = 1,
    NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,
    NVRTC_ERROR_INVALID_INPUT = 3,
    NVRTC_ERROR_INVALID_PROGRAM = 4,
    NVRTC_ERROR_INVALID_OPTION = 5,
    NVRTC_ERROR_COMPILATION = 6,
    NVRTC_ERROR_INTERNAL_ERROR = 11,
};

namespace {
constexpr unsigned PROGRAM_MAGIC = 0x4E565254;

struct Program {
    unsigned magic;
    std::string source, name;
    std::vector<std::pair<std::string, std::string>> headers;  // include name, contents
    std::string log;
    std::vector<char> image;  // header + shared object, after a successful compile for a real arch
};

const int ARCHS[] = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};

bool known_arch(const std::string& a, bool* real) {
    std::string digits;
    if (a.rfind("sm_", 0) == 0) *real = true, digits = a.substr(3);
    else if (a.rfind("compute_", 0) == 0) *real = false, digits = a.substr(8);
    else return false;
    if (!digits.empty() && (digits.back() == 'a' || digits.back() == 'f')) digits.pop_back();
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
    int n = atoi(digits.c_str());
    for (int k : ARCHS)
        if (k == n) return true;
    return false;
}

// Comments out, strings kept: kernel names are looked for in code only.
std::string strip_comments(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '"') {
            size_t j = i + 1;
            while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            out.append(s, i, j - i + 1);
            i = j;
        } else if (s.compare(i, 2, "//") == 0) {
            while (i < s.size() && s[i] != '\n') i++;
            out += '\n';
        } else if (s.compare(i, 2, "/*") == 0) {
            size_t j = s.find("*/", i + 2);
            i = j == std::string::npos ? s.size() : j + 1;
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv, stderr and stdout into `output`; the exit status, or -1 when it could not start.
int run(const std::vector<std::string>& argv, const std::string& output) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back((char*)a.c_str());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool cpu_has_fma() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma");
}

nvrtcResult compile(Program* p, int n, const char* const* options) {
    std::string arch = "compute_52";  // NVRTC's default virtual architecture
    bool fmad = true, real = false, fast_math = false;
    std::vector<std::string> defines;
    std::string std_flag = "-std=c++17";
    for (int i = 0; i < n; i++) {
        if (!options[i]) return NVRTC_ERROR_INVALID_INPUT;
        std::string o = options[i];
        auto value = [&](const char* a, const char* b) -> const char* {
            for (const char* pre : {a, b}) {
                size_t len = strlen(pre);
                if (pre[0] && o.compare(0, len, pre) == 0) return options[i] + len;
            }
            return nullptr;
        };
        if (const char* v = value("--gpu-architecture=", "-arch=")) arch = v;
        else if (o == "-arch" || o == "--gpu-architecture") {
            if (i + 1 >= n) return NVRTC_ERROR_INVALID_OPTION;
            arch = options[++i];
        } else if (const char* v = value("--std=", "-std=")) {
            std::string s = v;
            if (s != "c++03" && s != "c++11" && s != "c++14" && s != "c++17" && s != "c++20") {
                p->log += "nvrtc: error: invalid value for --std: " + s + "\n";
                return NVRTC_ERROR_INVALID_OPTION;
            }
            std_flag = "-std=" + std::string(s == "c++03" || s == "c++11" || s == "c++14" ? "c++17" : s);
        } else if (const char* v = value("--fmad=", "-fmad=")) {
            std::string s = v;
            if (s != "true" && s != "false") return NVRTC_ERROR_INVALID_OPTION;
            fmad = s == "true";
        } else if (o == "--use_fast_math" || o == "-use_fast_math") {
            fast_math = true;
        } else if (const char* v = value("--define-macro=", "-D")) {
            defines.push_back(std::string("-D") + v);
        } else if (o == "-default-device" || o == "--device-as-default-execution-space"
                   || o == "--extra-device-vectorization" || o == "-extra-device-vectorization" || o == "-lineinfo"
                   || o == "--generate-line-info" || o == "-G" || o == "--device-debug" || o == "-restrict"
                   || o == "--restrict" || value("--ftz=", "-ftz=") || value("--prec-div=", "-prec-div=")
                   || value("--prec-sqrt=", "-prec-sqrt=") || value("--maxrregcount=", "-maxrregcount=")) {
            // accepted; they change code generation for a GPU, not the results this emulation computes
        } else {
            p->log += "nvrtc: error: unrecognized option '" + o + "'\n";
            return NVRTC_ERROR_INVALID_OPTION;
        }
    }
    if (!known_arch(arch, &real)) {
        p->log += "nvrtc: error: invalid value for --gpu-architecture (-arch): " + arch + "\n";
        return NVRTC_ERROR_INVALID_OPTION;
    }
    // __CUDA_ARCH__ as NVRTC defines it: 900 for sm_90
    std::string digits = arch.substr(arch.find('_') + 1);
    while (!digits.empty() && !isdigit((unsigned char)digits.back())) digits.pop_back();
    const std::string cuda_arch = "-D__CUDA_ARCH__=" + std::to_string(atoi(digits.c_str()) * 10);

    // the kernels: `__global__ void [__launch_bounds__(N[, ...])] name(`
    std::vector<std::pair<std::string, int>> kernels;
    const std::string code = strip_comments(p->source);
    static const std::regex kernel(R"(__global__\s+void\s+(?:__launch_bounds__\s*\(\s*(\d+)[^)]*\)\s*)?(\w+)\s*\()");
    for (auto it = std::sregex_iterator(code.begin(), code.end(), kernel); it != std::sregex_iterator(); ++it)
        kernels.emplace_back((*it)[2].str(), (*it)[1].matched ? atoi((*it)[1].str().c_str()) : 0);

    char dir_template[] = "/tmp/inrank-nvrtc-XXXXXX";
    const char* tmp = getenv("TMPDIR");
    std::string base = tmp && *tmp ? std::string(tmp) + "/inrank-nvrtc-XXXXXX" : dir_template;
    std::vector<char> dir_buf(base.begin(), base.end());
    dir_buf.push_back(0);
    if (!mkdtemp(dir_buf.data())) return NVRTC_ERROR_INTERNAL_ERROR;
    const std::string dir = dir_buf.data();
    const std::string name = p->name.empty() ? "default_program" : p->name;
    {
        std::ofstream(dir + "/program.cu") << p->source;
        for (auto& [inc, text] : p->headers) {
            if (inc.find("..") != std::string::npos || inc.find('/') == 0) return NVRTC_ERROR_INVALID_INPUT;
            std::ofstream(dir + "/" + inc) << text;
        }
        std::ofstream entry(dir + "/entry.cpp");
        entry << "#line 1 \"" << name << "\"\n#include \"program.cu\"\nEMU_MODULE_GLOBALS\n";
        for (auto& [k, bound] : kernels) entry << "EMU_KERNEL(" << k << ", " << bound << ")\n";
    }
    const char* cxx_env = getenv("INRANK_CUDA_EMULATION_CXX");
    const std::string cxx = cxx_env && *cxx_env ? cxx_env : "g++";
    std::vector<std::string> argv = {cxx,       std_flag,    "-O2", "-fPIC", "-shared", "-fno-exceptions",
                                     "-w",      "-include",  std::string(emu_home()) + "/include/emu_device.h",
                                     cuda_arch, "-I" + dir};
    // NVRTC contracts a*b+c into FMA by default; so does this compile, where the CPU has FMA
    if (fmad && cpu_has_fma()) argv.insert(argv.end(), {"-mfma", "-ffp-contract=fast"});
    else argv.push_back("-ffp-contract=off");
    if (fast_math) argv.push_back("-ffast-math");
    argv.insert(argv.end(), defines.begin(), defines.end());
    argv.insert(argv.end(), {"-x", "c++", dir + "/entry.cpp", "-o", dir + "/module.so"});
    const std::string out = dir + "/compiler.txt";
    int rc = run(argv, out);
    std::string text = read_file(out);
    // the compiler names the temporary directory; NVRTC logs name the program
    for (size_t at; (at = text.find(dir + "/program.cu")) != std::string::npos;)
        text.replace(at, dir.size() + 11, name);
    p->log += text;
    nvrtcResult result = NVRTC_SUCCESS;
    if (rc == -1) {
        p->log += "emulated NVRTC: could not run the C++ compiler '" + cxx + "'\n";
        result = NVRTC_ERROR_INTERNAL_ERROR;
    } else if (rc != 0) {
        result = NVRTC_ERROR_COMPILATION;
    } else if (real) {
        std::string so = read_file(dir + "/module.so");
        EmuImageHeader h;
        memcpy(h.magic, EMU_IMAGE_MAGIC, sizeof h.magic);
        h.build = emu_build_id();
        h.length = so.size();
        p->image.resize(sizeof h + so.size());
        memcpy(p->image.data(), &h, sizeof h);
        memcpy(p->image.data() + sizeof h, so.data(), so.size());
    }
    run({"rm", "-rf", dir}, "/dev/null");
    return result;
}

Program* program(void* handle) {
    Program* p = (Program*)handle;
    return p && p->magic == PROGRAM_MAGIC ? p : nullptr;
}
}  // namespace

extern "C" {

const char* nvrtcGetErrorString(nvrtcResult r) {
    switch (r) {
        case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
        case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
        case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
        case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
        case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
        case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
        case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
        case NVRTC_ERROR_INTERNAL_ERROR: return "NVRTC_ERROR_INTERNAL_ERROR";
        default: return "NVRTC_ERROR unknown";
    }
}

nvrtcResult nvrtcVersion(int* major, int* minor) {
    if (!major || !minor) return NVRTC_ERROR_INVALID_INPUT;
    *major = EMU_NVRTC_MAJOR;
    *minor = EMU_NVRTC_MINOR;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCreateProgram(void** prog, const char* src, const char* name, int num_headers,
                               const char* const* headers, const char* const* include_names) {
    if (!prog || !src || num_headers < 0) return NVRTC_ERROR_INVALID_INPUT;
    if (num_headers > 0 && (!headers || !include_names)) return NVRTC_ERROR_INVALID_INPUT;
    Program* p = new Program{PROGRAM_MAGIC, src, name ? name : "", {}, "", {}};
    for (int i = 0; i < num_headers; i++) {
        if (!headers[i] || !include_names[i]) {
            delete p;
            return NVRTC_ERROR_INVALID_INPUT;
        }
        p->headers.emplace_back(include_names[i], headers[i]);
    }
    *prog = p;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcDestroyProgram(void** prog) {
    if (!prog || !program(*prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    Program* p = (Program*)*prog;
    p->magic = 0;
    delete p;
    *prog = nullptr;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCompileProgram(void* prog, int num_options, const char* const* options) {
    Program* p = program(prog);
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (num_options < 0 || (num_options > 0 && !options)) return NVRTC_ERROR_INVALID_INPUT;
    p->log.clear();
    p->image.clear();
    return compile(p, num_options, options);
}

nvrtcResult nvrtcGetProgramLogSize(void* prog, size_t* size) {
    Program* p = program(prog);
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    *size = p->log.size() + 1;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLog(void* prog, char* log) {
    Program* p = program(prog);
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!log) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(log, p->log.c_str(), p->log.size() + 1);
    return NVRTC_SUCCESS;
}

// A cubin exists only after a compile for a real architecture (sm_XX), as with NVRTC.
nvrtcResult nvrtcGetCUBINSize(void* prog, size_t* size) {
    Program* p = program(prog);
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    if (p->image.empty()) return NVRTC_ERROR_INVALID_PROGRAM;
    *size = p->image.size();
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBIN(void* prog, char* cubin) {
    Program* p = program(prog);
    if (!p) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!cubin) return NVRTC_ERROR_INVALID_INPUT;
    if (p->image.empty()) return NVRTC_ERROR_INVALID_PROGRAM;
    memcpy(cubin, p->image.data(), p->image.size());
    return NVRTC_SUCCESS;
}
}
