package transform

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

// typeCode returns jen code naming t as seen from package pkg (types of pkg are unqualified; others use jen.Qual).
// It returns an error when t cannot be named from pkg: an unexported type of another package, or a type
// declared inside a function (types.Named whose Obj().Parent() is not the package scope). The error message
// names the type, e.g. "type thing of package example.com/other is not exported".
//
// Untyped basic types are written as their default types (untyped nil is an error). Unexported
// struct fields and interface methods of another package are errors too, since a literal
// struct or interface type written in pkg would not be identical.
//
// A type declared inside an async function is named by the name it was moved
// to package level under, when hoisted has it.
func typeCode(t types.Type, pkg *types.Package, hoisted map[types.Object]string) (jen.Code, error) {
	w := &typeWriter{pkg: pkg, hoisted: hoisted}
	return w.tjType(t)
}

// typeWriter writes types as seen from pkg.
type typeWriter struct {
	pkg     *types.Package
	hoisted map[types.Object]string
}

func (w *typeWriter) tjType(t types.Type) (*jen.Statement, error) {
	switch t := t.(type) {
	case nil:
		return nil, fmt.Errorf("missing type")
	case *types.Basic:
		return tjBasic(t)
	case *types.Pointer:
		elem, err := w.tjType(t.Elem())
		if err != nil {
			return nil, err
		}
		return jen.Op("*").Add(elem), nil
	case *types.Slice:
		elem, err := w.tjType(t.Elem())
		if err != nil {
			return nil, err
		}
		return jen.Index().Add(elem), nil
	case *types.Array:
		elem, err := w.tjType(t.Elem())
		if err != nil {
			return nil, err
		}
		return jen.Index(jen.Op(strconv.FormatInt(t.Len(), 10))).Add(elem), nil
	case *types.Map:
		key, err := w.tjType(t.Key())
		if err != nil {
			return nil, err
		}
		elem, err := w.tjType(t.Elem())
		if err != nil {
			return nil, err
		}
		return jen.Map(key).Add(elem), nil
	case *types.Chan:
		elem, err := w.tjType(t.Elem())
		if err != nil {
			return nil, err
		}
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(elem), nil
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(elem), nil
		default:
			// chan <-chan T would be read as chan<- chan T.
			if ec, ok := types.Unalias(t.Elem()).(*types.Chan); ok && ec.Dir() == types.RecvOnly {
				return jen.Chan().Parens(elem), nil
			}
			return jen.Chan().Add(elem), nil
		}
	case *types.Signature:
		if t.TypeParams().Len() > 0 {
			return nil, fmt.Errorf("generic function type %s cannot be named", t)
		}
		s := jen.Func()
		if err := w.tjSignature(s, t); err != nil {
			return nil, err
		}
		return s, nil
	case *types.Struct:
		return w.tjStruct(t)
	case *types.Interface:
		return w.tjInterface(t)
	case *types.Union:
		return w.tjUnion(t)
	case *types.Named:
		obj := t.Obj()
		s, err := w.tjObjName(obj)
		if err != nil {
			return nil, err
		}
		if t.TypeParams().Len() > 0 && t.TypeArgs().Len() == 0 {
			return nil, fmt.Errorf("generic type %s cannot be used without instantiation", obj.Name())
		}
		if err := w.tjTypeArgs(s, t.TypeArgs()); err != nil {
			return nil, err
		}
		return s, nil
	case *types.Alias:
		obj := t.Obj()
		s, err := w.tjObjName(obj)
		if err != nil || (t.TypeParams().Len() > 0 && t.TypeArgs().Len() == 0) {
			return w.tjType(types.Unalias(t))
		}
		if err := w.tjTypeArgs(s, t.TypeArgs()); err != nil {
			return w.tjType(types.Unalias(t))
		}
		return s, nil
	case *types.TypeParam:
		return jen.Id(t.Obj().Name()), nil
	default:
		return nil, fmt.Errorf("type %s (%T) cannot be written as a type expression", t, t)
	}
}

func tjSamePkg(a, b *types.Package) bool {
	return a == b || (a != nil && b != nil && a.Path() == b.Path())
}

// tjObjName names the type name obj from pkg.
func (w *typeWriter) tjObjName(obj *types.TypeName) (*jen.Statement, error) {
	p := obj.Pkg()
	if p == nil {
		// universe: error, comparable, any
		return jen.Id(obj.Name()), nil
	}
	if obj.Parent() != p.Scope() {
		if name, ok := w.hoisted[obj]; ok {
			return jen.Id(name), nil
		}
		return nil, fmt.Errorf("type %s of package %s is declared inside a function", obj.Name(), p.Path())
	}
	if tjSamePkg(p, w.pkg) {
		return jen.Id(obj.Name()), nil
	}
	if !obj.Exported() {
		return nil, fmt.Errorf("type %s of package %s is not exported", obj.Name(), p.Path())
	}
	return jen.Qual(p.Path(), obj.Name()), nil
}

func (w *typeWriter) tjTypeArgs(s *jen.Statement, args *types.TypeList) error {
	if args.Len() == 0 {
		return nil
	}
	codes := make([]jen.Code, args.Len())
	for i := range args.Len() {
		a, err := w.tjType(args.At(i))
		if err != nil {
			return err
		}
		codes[i] = a
	}
	s.Types(codes...)
	return nil
}

// tjSignature appends "(params) results" for sig to s.
func (w *typeWriter) tjSignature(s *jen.Statement, sig *types.Signature) error {
	params, err := w.tjTuple(sig.Params(), sig.Variadic())
	if err != nil {
		return err
	}
	s.Params(params...)
	res := sig.Results()
	switch {
	case res.Len() == 0:
	case res.Len() == 1 && res.At(0).Name() == "":
		r, err := w.tjType(res.At(0).Type())
		if err != nil {
			return err
		}
		s.Add(r)
	default:
		results, err := w.tjTuple(res, false)
		if err != nil {
			return err
		}
		s.Params(results...)
	}
	return nil
}

func (w *typeWriter) tjTuple(tup *types.Tuple, variadic bool) ([]jen.Code, error) {
	named := false
	for i := range tup.Len() {
		if tup.At(i).Name() != "" {
			named = true
		}
	}
	out := make([]jen.Code, tup.Len())
	for i := range tup.Len() {
		v := tup.At(i)
		var tc *jen.Statement
		if variadic && i == tup.Len()-1 {
			sl, ok := v.Type().Underlying().(*types.Slice)
			if !ok {
				// variadic string parameter of append-like builtins: ...string
				if b, ok := v.Type().Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
					tc = jen.Op("...").String()
				} else {
					return nil, fmt.Errorf("variadic parameter of type %s is not a slice", v.Type())
				}
			} else {
				elem, err := w.tjType(sl.Elem())
				if err != nil {
					return nil, err
				}
				tc = jen.Op("...").Add(elem)
			}
		} else {
			var err error
			tc, err = w.tjType(v.Type())
			if err != nil {
				return nil, err
			}
		}
		if named {
			name := v.Name()
			if name == "" {
				name = "_"
			}
			out[i] = jen.Id(name).Add(tc)
		} else {
			out[i] = tc
		}
	}
	return out, nil
}

func tjQuoteTag(tag string) string {
	if !strings.Contains(tag, "`") && strconv.CanBackquote(tag) {
		return "`" + tag + "`"
	}
	return strconv.Quote(tag)
}

func tjBasic(b *types.Basic) (*jen.Statement, error) {
	switch b.Kind() {
	case types.UntypedBool:
		return jen.Bool(), nil
	case types.UntypedInt:
		return jen.Int(), nil
	case types.UntypedRune:
		return jen.Rune(), nil
	case types.UntypedFloat:
		return jen.Float64(), nil
	case types.UntypedComplex:
		return jen.Complex128(), nil
	case types.UntypedString:
		return jen.String(), nil
	case types.UntypedNil:
		return nil, fmt.Errorf("untyped nil has no type")
	case types.Invalid:
		return nil, fmt.Errorf("invalid type")
	case types.UnsafePointer:
		return jen.Qual("unsafe", "Pointer"), nil
	}
	// b.Name() spells the byte and rune aliases as byte and rune.
	return jen.Id(b.Name()), nil
}

func (w *typeWriter) tjStruct(t *types.Struct) (*jen.Statement, error) {
	fields := make([]jen.Code, t.NumFields())
	for i := range t.NumFields() {
		f := t.Field(i)
		if !f.Exported() && f.Pkg() != nil && !tjSamePkg(f.Pkg(), w.pkg) {
			return nil, fmt.Errorf("field %s of package %s is not exported", f.Name(), f.Pkg().Path())
		}
		ft, err := w.tjType(f.Type())
		if err != nil {
			return nil, err
		}
		var s *jen.Statement
		if f.Embedded() {
			s = ft
		} else {
			s = jen.Id(f.Name()).Add(ft)
		}
		if tag := t.Tag(i); tag != "" {
			s = jen.Add(s).Op(tjQuoteTag(tag))
		}
		fields[i] = s
	}
	return jen.Struct(fields...), nil
}

func (w *typeWriter) tjInterface(t *types.Interface) (*jen.Statement, error) {
	if t.NumExplicitMethods() == 0 && t.NumEmbeddeds() == 0 {
		return jen.Any(), nil
	}
	var elems []jen.Code
	for i := range t.NumEmbeddeds() {
		e, err := w.tjType(t.EmbeddedType(i))
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	for i := range t.NumExplicitMethods() {
		m := t.ExplicitMethod(i)
		if !m.Exported() && m.Pkg() != nil && !tjSamePkg(m.Pkg(), w.pkg) {
			return nil, fmt.Errorf("method %s of package %s is not exported", m.Name(), m.Pkg().Path())
		}
		s := jen.Id(m.Name())
		if err := w.tjSignature(s, m.Type().(*types.Signature)); err != nil {
			return nil, err
		}
		elems = append(elems, s)
	}
	return jen.Interface(elems...), nil
}

func (w *typeWriter) tjUnion(t *types.Union) (*jen.Statement, error) {
	s := jen.Null()
	for i := range t.Len() {
		term := t.Term(i)
		tc, err := w.tjType(term.Type())
		if err != nil {
			return nil, err
		}
		if i > 0 {
			s.Op("|")
		}
		if term.Tilde() {
			s.Op("~")
		}
		s.Add(tc)
	}
	return s, nil
}
