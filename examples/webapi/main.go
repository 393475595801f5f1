// Command webapi is a JSON API on the web package: items kept in a store
// whose calls are awaited, as a database's would be, routes with path
// values, middleware that logs each request and gives it an ID, and a
// graceful shutdown on SIGINT or SIGTERM.
//
//	webapi PORT
//
//	curl -s localhost:PORT/items -d '{"name":"pen","price":3}'
//	curl -s localhost:PORT/items/1
//	curl -s localhost:PORT/items
//	curl -s -X PUT localhost:PORT/items/1 -d '{"name":"pen","price":4}'
//	curl -s -X DELETE localhost:PORT/items/1
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// Item is what the API stores.
type Item struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// Store keeps the items. Its methods are async, as a database client's
// would be; a runtime.Lock orders the writes, which await between reading
// and writing (a write to a database's log, here a sleep of latency).
type Store struct {
	items   map[int]Item
	next    int
	lock    *runtime.Lock
	latency time.Duration
}

// NewStore returns an empty store whose writes take latency.
func NewStore(latency time.Duration) *Store {
	return &Store{items: map[int]Item{}, next: 1, lock: runtime.NewLock(), latency: latency}
}

// errNotFound answers a request for an item that is not there.
var errNotFound = web.NewError(http.StatusNotFound, "no such item")

// Get returns the item with id.
//
// async
func (s *Store) Get(id int) (Item, error) {
	it, ok := s.items[id]
	if !ok {
		return Item{}, errNotFound
	}
	return it, nil
}

// List returns the items, by ID.
//
// async
func (s *Store) List() ([]Item, error) {
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b Item) int { return a.ID - b.ID })
	return out, nil
}

// Put stores it (a new item when it.ID is 0) and returns it as stored.
//
// async
func (s *Store) Put(it Item) (Item, error) {
	if _, err := await(s.lock.Acquire()); err != nil {
		return Item{}, err
	}
	defer s.lock.Release()
	if it.ID == 0 {
		it.ID = s.next
		s.next++
	} else if _, ok := s.items[it.ID]; !ok {
		return Item{}, errNotFound
	}
	if _, err := await(runtime.Sleep(s.latency)); err != nil {
		return Item{}, err
	}
	s.items[it.ID] = it
	return it, nil
}

// Delete removes the item with id.
//
// async
func (s *Store) Delete(id int) error {
	if _, err := await(s.lock.Acquire()); err != nil {
		return err
	}
	defer s.lock.Release()
	if _, ok := s.items[id]; !ok {
		return errNotFound
	}
	if _, err := await(runtime.Sleep(s.latency)); err != nil {
		return err
	}
	delete(s.items, id)
	return nil
}

// API is the handlers, around a store.
type API struct {
	store *Store
	log   *log.Logger
}

func itemID(req *web.Request) (int, error) {
	id, err := strconv.Atoi(req.PathValue("id"))
	if err != nil {
		return 0, web.NewError(http.StatusBadRequest, "the item ID is a number")
	}
	return id, nil
}

// async
func (a *API) GetItem(req *web.Request) (*web.Response, error) {
	id, err := itemID(req)
	if err != nil {
		return nil, err
	}
	it, err := await(a.store.GetAsync(id))
	if err != nil {
		return nil, err
	}
	return web.JSON(http.StatusOK, it), nil
}

// async
func (a *API) ListItems(req *web.Request) (*web.Response, error) {
	items, err := await(a.store.ListAsync())
	if err != nil {
		return nil, err
	}
	return web.JSON(http.StatusOK, items), nil
}

// async
func (a *API) CreateItem(req *web.Request) (*web.Response, error) {
	var it Item
	if _, err := await(req.ReadJSONAsync(&it)); err != nil {
		return nil, err
	}
	if it.Name == "" {
		return nil, web.NewError(http.StatusUnprocessableEntity, "an item has a name")
	}
	it.ID = 0
	it, err := await(a.store.PutAsync(it))
	if err != nil {
		return nil, err
	}
	resp := web.JSON(http.StatusCreated, it)
	resp.Header().Set("Location", fmt.Sprintf("/items/%d", it.ID))
	return resp, nil
}

// async
func (a *API) UpdateItem(req *web.Request) (*web.Response, error) {
	id, err := itemID(req)
	if err != nil {
		return nil, err
	}
	var it Item
	if _, err := await(req.ReadJSONAsync(&it)); err != nil {
		return nil, err
	}
	it.ID = id
	it, err = await(a.store.PutAsync(it))
	if err != nil {
		return nil, err
	}
	return web.JSON(http.StatusOK, it), nil
}

// async
func (a *API) DeleteItem(req *web.Request) (*web.Response, error) {
	id, err := itemID(req)
	if err != nil {
		return nil, err
	}
	if _, err := await(a.store.DeleteAsync(id)); err != nil {
		return nil, err
	}
	return &web.Response{Status: http.StatusNoContent}, nil
}

// requestID is the key of a request's ID among its values.
type requestID struct{}

// Logged is the middleware: it gives the request an ID (X-Request-Id in
// the response), runs the handler, and logs the request with its status
// and duration.
//
// async
func (a *API) Logged(next web.Handler, req *web.Request) (*web.Response, error) {
	id := strconv.FormatInt(runtime.Now().UnixNano()%1e9, 36)
	req.SetValue(requestID{}, id)
	start := runtime.Now()
	resp, err := await(next(req))
	status := http.StatusOK
	switch {
	case err != nil:
		status = 500
		if we, ok := err.(*web.Error); ok {
			status = we.Status
		}
	case resp != nil && resp.Status != 0:
		status = resp.Status
	}
	if resp != nil {
		resp.Header().Set("X-Request-Id", id)
	}
	a.log.Printf("%s %s %s %d %v", id, req.Method, req.Path(), status, runtime.Now().Sub(start))
	return resp, err
}

// NewServer returns the API's server on store.
func NewServer(store *Store, logger *log.Logger) *web.Server {
	a := &API{store: store, log: logger}
	r := web.NewRouter()
	r.Handle("GET /items", a.ListItemsAsync)
	r.Handle("POST /items", a.CreateItemAsync)
	r.Handle("GET /items/{id}", a.GetItemAsync)
	r.Handle("PUT /items/{id}", a.UpdateItemAsync)
	r.Handle("DELETE /items/{id}", a.DeleteItemAsync)
	r.Use(web.MiddlewareOf(a.LoggedAsync))
	return &web.Server{Handler: r.Serve, HandlerTimeout: 10 * time.Second}
}

// Serve serves srv on ln until SIGINT or SIGTERM, then shuts it down,
// giving requests in flight grace to finish.
//
// async
func Serve(srv *web.Server, ln *runtime.Listener, grace time.Duration) error {
	serving := runtime.Spawn(srv.ServeAsync(ln))
	sig, err := await(runtime.WaitSignal(os.Interrupt, syscall.SIGTERM))
	if err != nil {
		return err
	}
	log.Printf("%v: shutting down", sig)
	if _, err := await(srv.ShutdownAsync(grace)); err != nil {
		return err
	}
	if _, err := await(serving); err != web.ErrServerClosed {
		return err
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: webapi PORT")
		os.Exit(2)
	}
	ln, err := runtime.Listen("tcp", ":"+os.Args[1])
	if err == nil {
		log.Printf("listening on %s", ln.Addr())
		srv := NewServer(NewStore(time.Millisecond), log.New(os.Stderr, "", log.LstdFlags))
		_, err = runtime.Run(ServeAsync(srv, ln, 5*time.Second))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webapi:", err)
		os.Exit(1)
	}
	log.Print("stopped")
}
